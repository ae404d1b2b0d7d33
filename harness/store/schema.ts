/**
 * The SQLite schema, versioned with `PRAGMA user_version`. A database written by a
 * newer algobench is refused rather than guessed at; older versions are migrated in
 * order, all of them in one `BEGIN IMMEDIATE` transaction with foreign keys off (a
 * migration may rebuild a table; see Store.open).
 */
export const SCHEMA_VERSION = 5;

/** The tables every algobench database from version 1 on has. */
export const REQUIRED_TABLES: readonly string[] = ['hardware', 'runs', 'trials', 'evals'];

/** Every column of `trials` before version 3, in table order (what the v3 rebuild copies). */
const TRIAL_COLUMNS_V2 = [
  'id', 'run_id', 'hardware_id', 'workload', 'variant', 'submission', 'ruleset', 'study', 'trial', 'base_seed', 'seed',
  'hparams_json', 'target_validation', 'target_test', 'targets_version', 'metric', 'metric_direction', 'budget_sec',
  'budget_scale', 'status', 'time_to_target_sec', 'test_reached', 'steps', 'submission_time_sec', 'eval_time_sec', 'error',
  'backend', 'backend_version', 'started_at', 'finished_at', 'submission_hash', 'search_space_hash', 'workload_hash',
  'targets_hash', 'code_key', 'algobench_version', 'target_step', 'target_resolution', 'hparams_read_json', 'noise_json',
  'noisy',
].join(', ');

/** Every column of `trials` from version 3 on, in table order (what the v5 rebuild copies). */
const TRIAL_COLUMNS_V3 = `${TRIAL_COLUMNS_V2}, claim_host, claim_pid, claim_expires_at`;

/** MIGRATIONS[i] takes a database from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE hardware (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    cpu_model TEXT NOT NULL,
    cpu_cores INTEGER NOT NULL,
    memory_bytes INTEGER NOT NULL,
    gpu TEXT NOT NULL,
    os TEXT NOT NULL,
    node_version TEXT NOT NULL,
    tfjs_version TEXT NOT NULL,
    backend TEXT NOT NULL,
    backend_version TEXT NOT NULL,
    details_json TEXT NOT NULL,
    first_seen TEXT NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    hardware_id INTEGER NOT NULL REFERENCES hardware(id),
    command TEXT NOT NULL,
    algobench_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed'))
  );
  CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    hardware_id INTEGER NOT NULL REFERENCES hardware(id),
    workload TEXT NOT NULL,
    variant TEXT NOT NULL,
    submission TEXT NOT NULL,
    ruleset TEXT NOT NULL CHECK (ruleset IN ('external', 'self')),
    study INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    base_seed INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    hparams_json TEXT NOT NULL,
    target_validation REAL NOT NULL,
    target_test REAL NOT NULL,
    targets_version INTEGER NOT NULL,
    metric TEXT NOT NULL,
    metric_direction TEXT NOT NULL,
    budget_sec REAL NOT NULL,
    budget_scale REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'reached', 'budget_exhausted', 'diverged', 'error', 'interrupted')),
    time_to_target_sec REAL,
    test_reached INTEGER,
    steps INTEGER,
    submission_time_sec REAL,
    eval_time_sec REAL,
    error TEXT,
    backend TEXT NOT NULL,
    backend_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX trials_by_key ON trials (hardware_id, workload, variant, submission, ruleset, base_seed, study, trial);
  CREATE TABLE evals (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    step INTEGER NOT NULL,
    submission_time_sec REAL NOT NULL,
    eval_time_sec REAL NOT NULL,
    train_loss REAL,
    validation_json TEXT NOT NULL,
    test_json TEXT NOT NULL,
    recorded_at TEXT NOT NULL
  );
  CREATE INDEX evals_by_trial ON evals (trial_id, step);
  `,
  // 2: what produced a trial (content hashes, algobench version), how exactly its
  // target was met (step, resolution), which hyperparameters it read, and how quiet the
  // machine was (calibration before/after, CPU shares). Rows from version 1 get an
  // empty code key: no new trial matches them, so resume runs those trials again.
  `
  ALTER TABLE trials ADD COLUMN submission_hash TEXT NOT NULL DEFAULT '';
  ALTER TABLE trials ADD COLUMN search_space_hash TEXT;
  ALTER TABLE trials ADD COLUMN workload_hash TEXT NOT NULL DEFAULT '';
  ALTER TABLE trials ADD COLUMN targets_hash TEXT NOT NULL DEFAULT '';
  ALTER TABLE trials ADD COLUMN code_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE trials ADD COLUMN algobench_version TEXT NOT NULL DEFAULT '';
  ALTER TABLE trials ADD COLUMN target_step INTEGER;
  ALTER TABLE trials ADD COLUMN target_resolution REAL;
  ALTER TABLE trials ADD COLUMN hparams_read_json TEXT;
  ALTER TABLE trials ADD COLUMN noise_json TEXT;
  ALTER TABLE trials ADD COLUMN noisy INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: the statuses of the trial watchdog (timeout, crashed, killed, forbidden) and
  // `abandoned` (a running row whose process died, superseded by a new claim), and
  // claims: which process on which host runs a trial, and until when its lease holds.
  // SQLite cannot alter a CHECK constraint, so `trials` is rebuilt (create, copy,
  // drop, rename, recreate the index: https://www.sqlite.org/lang_altertable.html,
  // section 7). Rows from version 2 get no claim: a `running` one is stale.
  `
  CREATE TABLE trials_v3 (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    hardware_id INTEGER NOT NULL REFERENCES hardware(id),
    workload TEXT NOT NULL,
    variant TEXT NOT NULL,
    submission TEXT NOT NULL,
    ruleset TEXT NOT NULL CHECK (ruleset IN ('external', 'self')),
    study INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    base_seed INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    hparams_json TEXT NOT NULL,
    target_validation REAL NOT NULL,
    target_test REAL NOT NULL,
    targets_version INTEGER NOT NULL,
    metric TEXT NOT NULL,
    metric_direction TEXT NOT NULL,
    budget_sec REAL NOT NULL,
    budget_scale REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'reached', 'budget_exhausted', 'diverged', 'error', 'interrupted',
      'timeout', 'crashed', 'killed', 'forbidden', 'abandoned')),
    time_to_target_sec REAL,
    test_reached INTEGER,
    steps INTEGER,
    submission_time_sec REAL,
    eval_time_sec REAL,
    error TEXT,
    backend TEXT NOT NULL,
    backend_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    submission_hash TEXT NOT NULL DEFAULT '',
    search_space_hash TEXT,
    workload_hash TEXT NOT NULL DEFAULT '',
    targets_hash TEXT NOT NULL DEFAULT '',
    code_key TEXT NOT NULL DEFAULT '',
    algobench_version TEXT NOT NULL DEFAULT '',
    target_step INTEGER,
    target_resolution REAL,
    hparams_read_json TEXT,
    noise_json TEXT,
    noisy INTEGER NOT NULL DEFAULT 0,
    claim_host TEXT,
    claim_pid INTEGER,
    claim_expires_at REAL
  );
  INSERT INTO trials_v3 (${TRIAL_COLUMNS_V2}) SELECT ${TRIAL_COLUMNS_V2} FROM trials;
  DROP TABLE trials;
  ALTER TABLE trials_v3 RENAME TO trials;
  CREATE INDEX trials_by_key ON trials (hardware_id, workload, variant, submission, ruleset, base_seed, study, trial);
  CREATE INDEX trials_by_status ON trials (status);
  `,
  // 4: the plans (algobench plan) whose trials a store holds, by plan hash: a shard
  // run with run --plan records its plan, and merge refuses a shard of another plan.
  `
  CREATE TABLE plans (
    hash TEXT PRIMARY KEY,
    trial_count INTEGER NOT NULL,
    first_seen TEXT NOT NULL
  );
  `,
  // 5: the budget saver (docs/budget_saver.md). A trial run with it keeps the saver's
  // settings (budget_saver_json; null for every other trial, which is what scoring
  // counts) and, when the saver stopped it, the status `stopped_predicted_miss` with
  // the predicted probability of reaching the target at the stop (saver_probability).
  // The CHECK constraint changes, so `trials` is rebuilt as in version 3.
  `
  CREATE TABLE trials_v5 (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    hardware_id INTEGER NOT NULL REFERENCES hardware(id),
    workload TEXT NOT NULL,
    variant TEXT NOT NULL,
    submission TEXT NOT NULL,
    ruleset TEXT NOT NULL CHECK (ruleset IN ('external', 'self')),
    study INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    base_seed INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    hparams_json TEXT NOT NULL,
    target_validation REAL NOT NULL,
    target_test REAL NOT NULL,
    targets_version INTEGER NOT NULL,
    metric TEXT NOT NULL,
    metric_direction TEXT NOT NULL,
    budget_sec REAL NOT NULL,
    budget_scale REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'reached', 'budget_exhausted', 'diverged', 'error', 'interrupted',
      'timeout', 'crashed', 'killed', 'forbidden', 'abandoned', 'stopped_predicted_miss')),
    time_to_target_sec REAL,
    test_reached INTEGER,
    steps INTEGER,
    submission_time_sec REAL,
    eval_time_sec REAL,
    error TEXT,
    backend TEXT NOT NULL,
    backend_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    submission_hash TEXT NOT NULL DEFAULT '',
    search_space_hash TEXT,
    workload_hash TEXT NOT NULL DEFAULT '',
    targets_hash TEXT NOT NULL DEFAULT '',
    code_key TEXT NOT NULL DEFAULT '',
    algobench_version TEXT NOT NULL DEFAULT '',
    target_step INTEGER,
    target_resolution REAL,
    hparams_read_json TEXT,
    noise_json TEXT,
    noisy INTEGER NOT NULL DEFAULT 0,
    claim_host TEXT,
    claim_pid INTEGER,
    claim_expires_at REAL,
    budget_saver_json TEXT,
    saver_probability REAL
  );
  INSERT INTO trials_v5 (${TRIAL_COLUMNS_V3}) SELECT ${TRIAL_COLUMNS_V3} FROM trials;
  DROP TABLE trials;
  ALTER TABLE trials_v5 RENAME TO trials;
  CREATE INDEX trials_by_key ON trials (hardware_id, workload, variant, submission, ruleset, base_seed, study, trial);
  CREATE INDEX trials_by_status ON trials (status);
  `,
];
