// Every test process: silence tfjs's "install our node backend" advice, as the CLI does.
import { quietTfjs } from '../harness/backends/select.ts';

quietTfjs();
