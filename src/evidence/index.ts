/**
 * Evidence reports: collect the evidence for a framework, period and tenant;
 * render report.pdf, report.json, controls.csv and OSCAL assessment results;
 * sign a manifest over them; verify a report folder; run reports as jobs.
 */
export { collectEvidence, NOTABLE_DENIALS, type CollectOptions } from './collect.js';
export { generateReport, pdfPageCount, type GenerateOptions, type GeneratedReport } from './generate.js';
export { KeyStore, KeyStoreError, SIGNATURE_ALGORITHM, certificateFingerprint, keyIdOfCertificate, verifyWithCertificate, type SigningKey, type KeyStoreOptions } from './keys.js';
export { MANIFEST_FORMAT, manifestDigest, signManifest, verifyManifestSignature, sha256, type Manifest } from './manifest.js';
export { parsePeriod, describePeriod, PeriodError } from './period.js';
export { verifyReportFolder, trustedCertificates, SIGNED_FILES, type Check, type CheckStatus, type VerifyResult, type VerifyReportOptions } from './verify.js';
export { startReportJob, getReportJob, readReportFile, waitForReportJob, reportDir, type ReportJob, type ReportJobContext, type ReportRequest } from './jobs.js';
export { renderOscal, OSCAL_VERSION } from './render/oscal.js';
export { renderCsv } from './render/csv.js';
export { REPORT_FILES, type EvidenceReport, type ReportFile, type Period } from './types.js';
