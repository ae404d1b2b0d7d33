// One time step of tf.layers' LSTMCell and GRUCell (tfjs-layers' `call`, implementation
// 2 as tfjs always runs it) as one native call forward and one backward. The stock cell
// runs 25–40 tfjs ops a step (splits, three ops per hardSigmoid, the gate arithmetic),
// and its gradient twice as many; at the sizes of a tf.layers RNN (batch 32, 128 units)
// every one of them is per-op cost, not arithmetic. Here the recurrent matmuls (with
// strided views of the recurrent kernel instead of split copies), the bias, the gate
// activations and the state update run in one pass, and the backward pass likewise.
//
// Layouts (row-major, float32): xw = inputs·kernel [B, G·u] (G = 4 gates for LSTM in
// the order i, f, c, o; 3 for GRU in the order z, r, h), bias [G·u] or empty, h and c
// [B, u], recurrent kernel U [u, G·u]. `aux` holds what the backward pass needs
// (LSTM: the gate pre-activations [B, 4u]; GRU: z's and r's pre-activations, the
// candidate h̃ and r∘h, [B, 4u]). The recurrent activation is hardSigmoid as tfjs
// computes it, clip(0.2·x + 0.5, 0, 1) (gradient 0.2 where 0 ≤ 0.2·x + 0.5 ≤ 1), or the
// logistic sigmoid; the activation is tanh.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "fast_math.h"
#include "gemm.h"
#include "parallel.h"
#include "rnn_cell.h"
#include "napi_args.h"

namespace algobench {
namespace {

enum RecurrentActivation : int { kHardSigmoid = 0, kSigmoid = 1 };

inline float hard_sigmoid_pre(float x) { return 0.2f * x + 0.5f; }

// The activation is a template parameter, and the loops over units are marked free of
// aliasing (ivdep: every output is a fresh buffer), so that they compile to vector code.
template <int Act>
inline float recurrent(float x) {
  if (Act == kHardSigmoid) return std::min(std::max(hard_sigmoid_pre(x), 0.f), 1.f);
  return sigmoid_vectorisable(x);
}

// d recurrent(x) / dx, from the pre-activation x and the activation's value y.
template <int Act>
inline float recurrent_grad(float x, float y) {
  if (Act == kHardSigmoid) {
    const float t = hard_sigmoid_pre(x);
    return (t >= 0.f && t <= 1.f) ? 0.2f : 0.f;
  }
  return y * (1.f - y);
}

// db[j] = Σ_b d[b, j] over a [rows, cols] matrix.
void column_sums(const float* d, int64_t rows, int64_t cols, float* db) {
  std::memset(db, 0, sizeof(float) * cols);
  for (int64_t b = 0; b < rows; ++b)
    #pragma GCC ivdep
    for (int64_t j = 0; j < cols; ++j) db[j] += d[b * cols + j];
}

// ---- LSTM ----

template <int Act>
void lstm_forward(int64_t B, int64_t u, const float* xw, const float* bias, const float* h, const float* c,
                  const float* U, float* h_out, float* c_out, float* z) {
  const int64_t G = 4 * u;
  std::memcpy(z, xw, sizeof(float) * B * G);
  sgemm(false, false, B, G, u, h, u, U, G, z, G, true);
  for (int64_t b = 0; b < B; ++b) {
    float* zr = z + b * G;
    if (bias != nullptr)
      #pragma GCC ivdep
      for (int64_t j = 0; j < G; ++j) zr[j] += bias[j];
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) {
      const float i = recurrent<Act>(zr[j]), f = recurrent<Act>(zr[u + j]);
      const float g = tanh_vectorisable(zr[2 * u + j]), o = recurrent<Act>(zr[3 * u + j]);
      const float cn = f * c[b * u + j] + i * g;
      c_out[b * u + j] = cn;
      h_out[b * u + j] = o * tanh_vectorisable(cn);
    }
  }
}

// dz (= d xw) [B, 4u], db [4u] (when bias), dh [B, u], dc [B, u], dU [u, 4u].
template <int Act>
void lstm_backward(int64_t B, int64_t u, const float* z, const float* h, const float* c, const float* U,
                   const float* dh_out, const float* dc_out, float* dz, float* db, float* dh, float* dc, float* dU) {
  const int64_t G = 4 * u;
  for (int64_t b = 0; b < B; ++b) {
    const float* zr = z + b * G;
    float* dzr = dz + b * G;
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) {
      const int64_t k = b * u + j;
      const float i = recurrent<Act>(zr[j]), f = recurrent<Act>(zr[u + j]);
      const float g = tanh_vectorisable(zr[2 * u + j]), o = recurrent<Act>(zr[3 * u + j]);
      const float cn = f * c[k] + i * g;
      const float tc = tanh_vectorisable(cn);
      const float dct = dc_out[k] + dh_out[k] * o * (1.f - tc * tc);
      dzr[j] = dct * g * recurrent_grad<Act>(zr[j], i);
      dzr[u + j] = dct * c[k] * recurrent_grad<Act>(zr[u + j], f);
      dzr[2 * u + j] = dct * i * (1.f - g * g);
      dzr[3 * u + j] = dh_out[k] * tc * recurrent_grad<Act>(zr[3 * u + j], o);
      dc[k] = dct * f;
    }
  }
  sgemm(false, true, B, u, G, dz, G, U, G, dh, u, false);
  sgemm(true, false, u, G, B, h, u, dz, G, dU, G, false);
  if (db != nullptr) column_sums(dz, B, G, db);
}

// ---- GRU ----

template <int Act>
void gru_forward(int64_t B, int64_t u, const float* xw, const float* bias, const float* h, const float* U,
                 float* h_out, float* aux) {
  const int64_t G = 3 * u, A = 4 * u;
  // aux columns: [0, u) z's pre-activation, [u, 2u) r's, [2u, 3u) h̃, [3u, 4u) r∘h.
  sgemm(false, false, B, 2 * u, u, h, u, U, G, aux, A, false);  // h·U[:, :2u]
  for (int64_t b = 0; b < B; ++b) {
    float* ar = aux + b * A;
    const float* xr = xw + b * G;
    #pragma GCC ivdep
    for (int64_t j = 0; j < 2 * u; ++j) ar[j] += bias != nullptr ? xr[j] + bias[j] : xr[j];
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) ar[3 * u + j] = recurrent<Act>(ar[u + j]) * h[b * u + j];
  }
  sgemm(false, false, B, u, u, aux + 3 * u, A, U + 2 * u, G, aux + 2 * u, A, false);  // (r∘h)·U[:, 2u:]
  for (int64_t b = 0; b < B; ++b) {
    float* ar = aux + b * A;
    const float* xr = xw + b * G;
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) {
      const float xh = bias != nullptr ? xr[2 * u + j] + bias[2 * u + j] : xr[2 * u + j];
      const float hh = tanh_vectorisable(xh + ar[2 * u + j]);
      ar[2 * u + j] = hh;
      const float zg = recurrent<Act>(ar[j]);
      h_out[b * u + j] = zg * h[b * u + j] + (1.f - zg) * hh;
    }
  }
}

// dxw [B, 3u], db [3u] (when bias), dh [B, u], dU [u, 3u]; scratch [B, u].
template <int Act>
void gru_backward(int64_t B, int64_t u, const float* aux, const float* h, const float* U, const float* dh_out,
                  float* dxw, float* db, float* dh, float* dU, float* scratch) {
  const int64_t G = 3 * u, A = 4 * u;
  for (int64_t b = 0; b < B; ++b) {
    const float* ar = aux + b * A;
    float* dr = dxw + b * G;
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) {
      const int64_t k = b * u + j;
      const float zg = recurrent<Act>(ar[j]), hh = ar[2 * u + j], d = dh_out[k];
      dr[j] = d * (h[k] - hh) * recurrent_grad<Act>(ar[j], zg);  // dz, through the activation
      dr[2 * u + j] = d * (1.f - zg) * (1.f - hh * hh);           // d of h̃'s pre-activation
      dh[k] = d * zg;
    }
  }
  // The candidate's recurrent product (r∘h)·U[:, 2u:].
  sgemm(true, false, u, u, B, aux + 3 * u, A, dxw + 2 * u, G, dU + 2 * u, G, false);
  sgemm(false, true, B, u, u, dxw + 2 * u, G, U + 2 * u, G, scratch, u, false);  // d(r∘h)
  for (int64_t b = 0; b < B; ++b) {
    const float* ar = aux + b * A;
    float* dr = dxw + b * G;
    #pragma GCC ivdep
    for (int64_t j = 0; j < u; ++j) {
      const int64_t k = b * u + j;
      const float r = recurrent<Act>(ar[u + j]), drh = scratch[k];
      dr[u + j] = drh * h[k] * recurrent_grad<Act>(ar[u + j], r);
      dh[k] += drh * r;
    }
  }
  // z's and r's recurrent product h·U[:, :2u].
  sgemm(true, false, u, 2 * u, B, h, u, dxw, G, dU, G, false);
  sgemm(false, true, B, u, 2 * u, dxw, G, U, G, dh, u, true);
  if (db != nullptr) column_sums(dxw, B, G, db);
}

// ---- bindings ----

// Calls f with the activation as a compile-time constant.
// The products of one step are small (a batch of rows by a few hundred units): they run
// on the calling thread, see SerialScope.
template <typename F>
void dispatch(int64_t act, F&& f) {
  const SerialScope serial;
  if (act == kHardSigmoid) f(std::integral_constant<int, kHardSigmoid>{});
  else f(std::integral_constant<int, kSigmoid>{});
}

// The cell entry points' arguments: NapiArgs plus Float32Arrays of an exact length.
struct CellArgs : NapiArgs {
  CellArgs(napi_env env, napi_callback_info info, const char* name) : NapiArgs(env, info, name) {}

  // A Float32Array of exactly `want` elements; nullptr (no error) for an absent optional one.
  float* floats(size_t i, size_t want, bool optional = false) {
    if (optional && absent(i)) return nullptr;
    size_t length = 0;
    float* data = NapiArgs::floats(i, &length);
    if (data != nullptr && length != want) {
      fail("argument " + std::to_string(i) + " has " + std::to_string(length) + " floats, expected " + std::to_string(want));
      return nullptr;
    }
    return data;
  }

  // Every cell entry point starts (act, B, u): the gate activation, the batch and the
  // units. False, with the error thrown, when one is missing or out of range.
  bool cell_header(int64_t& act, int64_t& B, int64_t& u) {
    act = integer(0);
    B = integer(1);
    u = integer(2);
    if (!failed && (B < 1 || u < 1 || (act != kHardSigmoid && act != kSigmoid))) fail("bad activation or shape");
    return !failed;
  }
};

// lstmCell(act, B, u, xw, bias|null, h, c, U, hOut, cOut, z)
napi_value LstmCell(napi_env env, napi_callback_info info) {
  CellArgs a(env, info, "lstmCell");
  int64_t act, B, u;
  if (!a.cell_header(act, B, u)) return nullptr;
  const size_t bu = B * u, g = 4 * u;
  const float *xw = a.floats(3, B * g), *bias = a.floats(4, g, true), *h = a.floats(5, bu), *c = a.floats(6, bu),
              *U = a.floats(7, u * g);
  float *ho = a.floats(8, bu), *co = a.floats(9, bu), *z = a.floats(10, B * g);
  if (!a.failed) dispatch(act, [&](auto k) { lstm_forward<decltype(k)::value>(B, u, xw, bias, h, c, U, ho, co, z); });
  return nullptr;
}

// lstmCellGrad(act, B, u, z, h, c, U, dhOut, dcOut, dz, db|null, dh, dc, dU)
napi_value LstmCellGrad(napi_env env, napi_callback_info info) {
  CellArgs a(env, info, "lstmCellGrad");
  int64_t act, B, u;
  if (!a.cell_header(act, B, u)) return nullptr;
  const size_t bu = B * u, g = 4 * u;
  const float *z = a.floats(3, B * g), *h = a.floats(4, bu), *c = a.floats(5, bu), *U = a.floats(6, u * g),
              *dho = a.floats(7, bu), *dco = a.floats(8, bu);
  float *dz = a.floats(9, B * g), *db = a.floats(10, g, true), *dh = a.floats(11, bu), *dc = a.floats(12, bu),
        *dU = a.floats(13, u * g);
  if (!a.failed) dispatch(act, [&](auto k) { lstm_backward<decltype(k)::value>(B, u, z, h, c, U, dho, dco, dz, db, dh, dc, dU); });
  return nullptr;
}

// gruCell(act, B, u, xw, bias|null, h, U, hOut, aux)
napi_value GruCell(napi_env env, napi_callback_info info) {
  CellArgs a(env, info, "gruCell");
  int64_t act, B, u;
  if (!a.cell_header(act, B, u)) return nullptr;
  const size_t bu = B * u, g = 3 * u;
  const float *xw = a.floats(3, B * g), *bias = a.floats(4, g, true), *h = a.floats(5, bu), *U = a.floats(6, u * g);
  float *ho = a.floats(7, bu), *aux = a.floats(8, B * 4 * u);
  if (!a.failed) dispatch(act, [&](auto k) { gru_forward<decltype(k)::value>(B, u, xw, bias, h, U, ho, aux); });
  return nullptr;
}

// gruCellGrad(act, B, u, aux, h, U, dhOut, dxw, db|null, dh, dU)
napi_value GruCellGrad(napi_env env, napi_callback_info info) {
  CellArgs a(env, info, "gruCellGrad");
  int64_t act, B, u;
  if (!a.cell_header(act, B, u)) return nullptr;
  const size_t bu = B * u, g = 3 * u;
  const float *aux = a.floats(3, B * 4 * u), *h = a.floats(4, bu), *U = a.floats(5, u * g), *dho = a.floats(6, bu);
  float *dxw = a.floats(7, B * g), *db = a.floats(8, g, true), *dh = a.floats(9, bu), *dU = a.floats(10, u * g);
  if (!a.failed) {
    std::vector<float> scratch(bu);
    dispatch(act, [&](auto k) { gru_backward<decltype(k)::value>(B, u, aux, h, U, dho, dxw, db, dh, dU, scratch.data()); });
  }
  return nullptr;
}

}  // namespace

void define_rnn_cell_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"lstmCell", nullptr, LstmCell, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCellGrad", nullptr, LstmCellGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruCell", nullptr, GruCell, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruCellGrad", nullptr, GruCellGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
