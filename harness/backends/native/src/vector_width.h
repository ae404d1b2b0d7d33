// The float vector width this build targets (AVX-512, else AVX, else a 4-lane SSE/NEON
// size) and GCC vector types of that width: one definition for the kernels that tile by it.
#pragma once

namespace algobench {

#if defined(__AVX512F__)
constexpr int kVectorWidth = 16;
#elif defined(__AVX__)
constexpr int kVectorWidth = 8;
#else
constexpr int kVectorWidth = 4;
#endif
// An aligned vector, and one that may sit at any float boundary (loads from inside a row).
typedef float vecf __attribute__((vector_size(kVectorWidth * sizeof(float))));
typedef float uvecf __attribute__((vector_size(kVectorWidth * sizeof(float)), aligned(4)));

}  // namespace algobench
