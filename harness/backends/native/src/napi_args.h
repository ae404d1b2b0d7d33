// The arguments of one Node-API call, read with their checks: every native entry point
// starts with one of these instead of its own napi_get_cb_info / typed-array prologue.
//
// The first problem throws one E_NATIVE_KERNEL error, "<entry point>: <problem>", and
// sets `failed`; later problems are dropped. So an entry point reads all its arguments,
// then returns early if `failed`, then checks sizes against shapes with `require`
// before any kernel touches memory: a wrong call throws instead of writing out of bounds.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace algobench {

class NapiArgs {
 public:
  static constexpr size_t kMaxArgs = 24;

  // `name`: a string literal (kept, not copied).
  NapiArgs(napi_env env, napi_callback_info info, const char* name) : env(env), name_(name) {
    napi_get_cb_info(env, info, &count, values, nullptr, nullptr);
  }

  napi_env env;
  size_t count = kMaxArgs;
  napi_value values[kMaxArgs];
  bool failed = false;

  // Throws "<name>: <message>" unless a problem was already thrown.
  void fail(const std::string& message) {
    if (!failed) napi_throw_error(env, "E_NATIVE_KERNEL", (std::string(name_) + ": " + message).c_str());
    failed = true;
  }

  // `ok`, or a thrown "operand sizes do not match the shape"; false after any failure.
  bool require(bool ok) {
    if (!ok) fail("operand sizes do not match the shape");
    return ok && !failed;
  }

  // Argument i is missing, null or undefined (an optional operand left out).
  bool absent(size_t i) const {
    if (i >= count) return true;
    napi_valuetype kind = napi_undefined;
    napi_typeof(env, values[i], &kind);
    return kind == napi_undefined || kind == napi_null;
  }

  // A typed array of element type `want`: its data and element count (the view's own
  // offset applied); nullptr, with the error thrown, for anything else.
  template <typename T>
  T* array(size_t i, napi_typedarray_type want, size_t* length) {
    napi_typedarray_type type;
    void* data = nullptr;
    napi_value buffer;
    size_t offset = 0;
    *length = 0;
    if (i >= count || napi_get_typedarray_info(env, values[i], &type, length, &data, &buffer, &offset) != napi_ok ||
        type != want) {
      *length = 0;
      fail("argument " + std::to_string(i) + " must be a " + type_name(want));
      return nullptr;
    }
    return static_cast<T*>(data);
  }

  float* floats(size_t i, size_t* length) { return array<float>(i, napi_float32_array, length); }

  // A Float32Array, or nullptr with length 0 (and no error) where the argument is absent.
  float* optional_floats(size_t i, size_t* length) {
    if (absent(i)) {
      *length = 0;
      return nullptr;
    }
    return floats(i, length);
  }

  // Any typed array: its data and its size in bytes.
  uint8_t* bytes(size_t i, size_t* size) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void* data = nullptr;
    napi_value buffer;
    *size = 0;
    if (i >= count || napi_get_typedarray_info(env, values[i], &type, &length, &data, &buffer, &offset) != napi_ok) {
      fail("argument " + std::to_string(i) + " must be a typed array");
      return nullptr;
    }
    static const size_t widths[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
    *size = length * (type < 11 ? widths[type] : 1);
    return static_cast<uint8_t*>(data);
  }

  // A Float64Array of integers (shapes, strides, permutations).
  std::vector<int64_t> integers(size_t i) {
    size_t length = 0;
    const double* v = array<double>(i, napi_float64_array, &length);
    std::vector<int64_t> out;
    if (v != nullptr) out.reserve(length);
    for (size_t k = 0; v != nullptr && k < length; ++k) out.push_back((int64_t)v[k]);
    return out;
  }

  // A JS array of Float32Arrays: each one's data and element count (false, with the
  // error thrown, if it is not an array or an item is not a Float32Array).
  bool float32_list(size_t i, std::vector<float*>* data, std::vector<size_t>* lengths) {
    uint32_t n = 0;
    bool ok = i < count && napi_get_array_length(env, values[i], &n) == napi_ok;
    for (uint32_t k = 0; ok && k < n; ++k) {
      napi_value item, buffer;
      napi_typedarray_type type;
      size_t length = 0, offset = 0;
      void* p = nullptr;
      ok = napi_get_element(env, values[i], k, &item) == napi_ok &&
           napi_get_typedarray_info(env, item, &type, &length, &p, &buffer, &offset) == napi_ok && type == napi_float32_array;
      if (ok) {
        data->push_back(static_cast<float*>(p));
        lengths->push_back(length);
      }
    }
    if (!ok) fail("argument " + std::to_string(i) + " must be an array of Float32Arrays");
    return ok;
  }

  double number(size_t i) {
    double v = 0;
    if (i >= count || napi_get_value_double(env, values[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return v;
  }

  int64_t integer(size_t i) {
    int64_t v = 0;
    if (i >= count || napi_get_value_int64(env, values[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return v;
  }

  bool flag(size_t i) {
    bool v = false;
    if (i >= count || napi_get_value_bool(env, values[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a boolean");
    return v;
  }

 private:
  static const char* type_name(napi_typedarray_type t) {
    switch (t) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint8_array: return "Uint8Array";
      default: return "typed array of the right type";
    }
  }

  const char* name_;
};

}  // namespace algobench
