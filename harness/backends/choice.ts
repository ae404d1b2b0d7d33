/**
 * The backends a user can ask for, and the check of --backend: kept apart from
 * select.ts so that parsing a command line does not load TensorFlow.js.
 */
import { AlgobenchError } from '../core/errors.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new AlgobenchError('E_BACKEND', `unknown backend "${value}"; use one of: ${BACKEND_CHOICES.join(', ')}`);
}
