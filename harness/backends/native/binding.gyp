{
  "targets": [
    {
      "target_name": "algobench_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/conv.cc", "src/parallel.cc", "src/reduce.cc", "src/elementwise.cc",
                  "src/layout.cc", "src/pointwise.cc", "src/rowwise.cc", "src/stock_addon.cc", "src/program.cc",
                  "src/copy.cc", "src/depthwise.cc", "src/layout_addon.cc",
                  "src/activation_grad.cc", "src/norm.cc", "src/rnn_cell.cc", "src/dots.cc", "src/schedule_free.cc",
                  "src/adam_dots.cc", "src/factored_rms.cc", "src/eigh.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-math-errno"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
