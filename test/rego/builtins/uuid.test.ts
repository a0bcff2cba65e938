import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, expectError, makeCtx, run } from './helpers.js';

describe('uuid builtins', () => {
  it('uuid.rfc4122 makes a version 4 UUID, the same one per argument within a query', () => {
    const def = BUILTINS.get('uuid.rfc4122')!;
    expect(def.nondeterministic).to.equal(true);
    const ctx = makeCtx();
    const a = def.fn(['1'], ctx);
    expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(def.fn(['1'], ctx)).to.equal(a);
    expect(def.fn(['2'], ctx)).to.not.equal(a);
    expect(def.fn(['1'], makeCtx())).to.not.equal(a); // a new query draws again
    expectError('eval_type_error', 'uuid.rfc4122: operand 1 must be string but got number', 'uuid.rfc4122', 42);
  });

  it('uuid.parse decodes version 1 and 2 fields as OPA does', () => {
    expect(run('uuid.parse', 'b01d0062-a116-11ee-822b-7ab0b9e5e0c0')).to.equal(
      '{"clocksequence":555,"macvariables":"local:unicast","nodeid":"7a-b0-b9-e5-e0-c0","time":1703282931110717000,"variant":"RFC4122","version":1}');
    expect(run('uuid.parse', 'c2fc67c2-47f2-11ee-b67a-9f3619c7493f')).to.equal(
      '{"clocksequence":13946,"macvariables":"local:multicast","nodeid":"9f-36-19-c7-49-3f","time":1693481847404333000,"variant":"RFC4122","version":1}');
    expect(run('uuid.parse', '000003e8-a129-21ee-ae00-325096b39f47')).to.equal(
      '{"clocksequence":11776,"domain":"Person","id":1000,"macvariables":"local:unicast","nodeid":"32-50-96-b3-9f-47","time":1703290796079613600,"variant":"RFC4122","version":2}');
  });

  it('uuid.parse reports version and variant for other versions and accepts the usual forms', () => {
    expect(run('uuid.parse', 'c6db027c-615c-3b4d-959e-1a917747ca5a')).to.equal('{"variant":"RFC4122","version":3}');
    expect(run('uuid.parse', '{00000000-0000-4000-8000-000000000000}')).to.equal('{"variant":"RFC4122","version":4}');
    expect(run('uuid.parse', 'urn:uuid:c66bbb60-d62e-5f17-a399-3a0bd237c503')).to.equal('{"variant":"RFC4122","version":5}');
    expect(run('uuid.parse', '00000000000040008000000000000000')).to.equal('{"variant":"RFC4122","version":4}');
    expect(run('uuid.parse', '00000000-0000-fcd1-f4e0-9bab06a52ece')).to.equal('{"variant":"Future","version":15}');
  });

  it('uuid.parse is undefined for malformed input', () => {
    expect(call('uuid.parse', 'not-valid')).to.equal(undefined);
    expect(call('uuid.parse', '00000000-0000-4000-8000-00000000000g')).to.equal(undefined);
    expectError('eval_type_error', 'uuid.parse: operand 1 must be string but got number', 'uuid.parse', 42);
  });
});
