/**
 * A child process of data_cache.test.ts: waits until the time in argv[2] (epoch ms),
 * so that two children write at once, then loads the synthetic data set of
 * _data_cache_fixture.ts through cachedDecode (ALGOBENCH_CACHE_DIR names the folder)
 * and prints its checksum and whether it decoded.
 */
import { cachedDecode } from '../../workloads/common/data_cache.ts';
import { syntheticDataset } from './_data_cache_fixture.ts';

const startAt = Number(process.argv[2]);
const root = process.argv[3]!;
while (Date.now() < startAt) {
  // Busy wait: a timer's granularity would spread the two writers apart.
}
let decoded = false;
const value = cachedDecode({ ...syntheticDataset(root), decode: () => ((decoded = true), syntheticDataset(root).decode()) });
let sum = 0;
for (let i = 0; i < value.values.length; i += 4099) sum += value.values[i]!;
process.stdout.write(JSON.stringify({ decoded, length: value.values.length, sum }));
