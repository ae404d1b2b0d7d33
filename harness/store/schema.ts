/**
 * The SQLite schema, versioned with `PRAGMA user_version`. A database written by a
 * newer algobench is refused rather than guessed at; older versions are migrated in
 * order, each migration in one transaction.
 */
export const SCHEMA_VERSION = 2;

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
];
