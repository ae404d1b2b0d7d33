/**
 * The layers of algobench and the one direction imports may flow between them, checked
 * by dependency-cruiser in test/architecture/import_graph.test.ts (by hand:
 * `npx depcruise harness submissions workloads`). Paths are relative to the folder
 * cruised, so the same rules run over test/fixtures/import_graph/, where each is broken
 * once on purpose. The test also checks that no two folders import each other, round
 * a cycle of any length (dependency-cruiser's own folder rules count harness/, the
 * folder of spec.ts, together with all its subfolders, which would make every import of
 * spec.ts a cycle).
 *
 *   harness/spec.ts, harness/core/      the contract, and primitives on it alone
 *   backends/ store/ tuning/ scoring/ identity/ saver/   services on core/ and spec.ts
 *   benchmark/ submissions/ runner/ targets/ validate/ bench/   orchestration
 *   harness/report/ (and reports/, its renderer)   presentation
 *   harness/cli/                         the commands, at the top
 *
 * Type-only imports count: an arrow in the types is an arrow in the design.
 */

const SERVICES = ['backends', 'store', 'tuning', 'scoring', 'identity', 'saver'];
const ORCHESTRATION = ['benchmark', 'submissions', 'runner', 'targets', 'validate', 'bench'];

/**
 * The services a service may import besides core/ and spec.ts, each with why. Keep it
 * short: every entry is a place where two services are tied together.
 */
const SERVICE_EXCEPTIONS = {
  // A store row per hardware fingerprint: the store keeps identity's `Hardware`.
  store: ['identity'],
  // The fingerprint includes the backend that ran (`BackendInfo`), and calibration
  // reads its timings as a median (scoring/aggregate.ts), the one median of the harness.
  identity: ['backends', 'scoring'],
  // The budget saver's predictive probability is a normal CDF: scoring's, the one of the harness.
  saver: ['scoring'],
};

const any = (folders) => `^harness/(${folders.join('|')})/`;

/** A forbidden arrow: every rule here is an error, and says why in its comment. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    forbid('no-module-cycle', 'A module never reaches itself through its imports.', {}, { circular: true }),
    forbid(
      'no-command-imports-a-command',
      'A command (cli/*_command.ts) never imports another: what two commands share lives in a helper of cli/ or in a lower layer.',
      { path: '^harness/cli/[^/]+_commands?\\.ts$' },
      { path: '^harness/cli/[^/]+_commands?\\.ts$' },
    ),
    forbid(
      'kit-stands-on-the-contract',
      "The kit imports nothing of the harness but harness/spec.ts: a kit file must work copied into a user's submission.",
      { path: '^submissions/kit/' },
      { path: '^harness/', pathNot: '^harness/spec\\.ts$' },
    ),
    forbid(
      'contract-and-core-at-the-bottom',
      'spec.ts and core/ import only each other.',
      { path: '^harness/(spec\\.ts$|core/)' },
      { path: '^harness/', pathNot: '^harness/(spec\\.ts$|core/)' },
    ),
    ...SERVICES.map((service) => {
      const allowed = [service, ...(SERVICE_EXCEPTIONS[service] ?? [])];
      return forbid(
        `${service}-on-core-only`,
        `${service}/ is a service: it imports core/, spec.ts${allowed.length > 1 ? ` and ${allowed.slice(1).join('/, ')}/ (see SERVICE_EXCEPTIONS)` : ''}, nothing above.`,
        { path: `^harness/${service}/` },
        { path: '^harness/', pathNot: `^harness/(spec\\.ts$|core/|${allowed.map((f) => `${f}/`).join('|')})` },
      );
    }),
    forbid(
      'orchestration-below-presentation',
      'Planning, loading, running and checking never import the report or the command line.',
      { path: any(ORCHESTRATION) },
      { path: any(['report', 'cli']) },
    ),
    forbid(
      'presentation-reads-results-only',
      'The report (and its renderer in reports/) reads the store and scores; it never runs anything nor imports the command line.',
      { path: '^(harness/report/|reports/)' },
      { path: any(['cli', ...ORCHESTRATION]) },
    ),
    forbid('cli-at-the-top', 'Nothing but the command line imports the command line.', { pathNot: '^harness/cli/' }, { path: '^harness/cli/' }),
    forbid(
      'workloads-on-the-lower-layers',
      'A workload imports only spec.ts, core/ and backends/ from the harness.',
      { path: '^workloads/' },
      { path: '^harness/', pathNot: '^harness/(spec\\.ts$|core/|backends/)' },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  },
};
