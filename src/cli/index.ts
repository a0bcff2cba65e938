/** The `attest` command line. */
export async function main(argv: string[]): Promise<number> {
  console.error(`attest: unknown command ${argv[0] ?? ''}`);
  return 1;
}
