{
  "variables": {
    "variables": {
      "usearch_root": "<!(node -p \"const p = require('path'), fs = require('fs'); let d = p.dirname(require.resolve('usearch')); for (const _ of [1, 2, 3, 4, 5, 6]) if (!fs.existsSync(p.join(d, 'include/usearch/index_dense.hpp'))) d = p.dirname(d); p.relative(process.cwd(), d)\")"
    },
    "usearch_root": "<(usearch_root)",
    "numkong_root": "<(usearch_root)/numkong"
  },
  "targets": [
    {
      "target_name": "replaydb",
      "dependencies": ["numkong_lib"],
      "sources": [
        "native/addon.cpp",
        "native/binding/js_values.cpp",
        "native/binding/loader_binding.cpp",
        "native/binding/plan_message.cpp",
        "native/binding/result_columns.cpp",
        "native/common/column.cpp",
        "native/common/crc32c.cpp",
        "native/common/error.cpp",
        "native/common/timestamp.cpp",
        "native/common/types.cpp",
        "native/common/value.cpp",
        "native/exec/aggregate.cpp",
        "native/exec/dml.cpp",
        "native/exec/executor.cpp",
        "native/exec/hash_join.cpp",
        "native/exec/join_output.cpp",
        "native/exec/key_lookup.cpp",
        "native/exec/scan.cpp",
        "native/exec/sort.cpp",
        "native/exec/statement.cpp",
        "native/exec/subquery.cpp",
        "native/exec/vector_scan.cpp",
        "native/exec/zone_prune.cpp",
        "native/expr/cast.cpp",
        "native/expr/conditional.cpp",
        "native/expr/evaluate.cpp",
        "native/expr/functions.cpp",
        "native/expr/in_list.cpp",
        "native/expr/jsonb_functions.cpp",
        "native/expr/like.cpp",
        "native/expr/numeric_functions.cpp",
        "native/expr/string_functions.cpp",
        "native/expr/subquery_probe.cpp",
        "native/expr/vector_functions.cpp",
        "native/index/vector_index.cpp",
        "native/jsonb/jsonb.cpp",
        "native/loader/batch_layout.cpp",
        "native/loader/batch_stream.cpp",
        "native/loader/byte_tokenizer.cpp",
        "native/loader/gather.cpp",
        "native/loader/permutation.cpp",
        "native/loader/prefetch_thread.cpp",
        "native/loader/sharding.cpp",
        "native/loader/token_packer.cpp",
        "native/loader/trajectory_index.cpp",
        "native/store/database.cpp",
        "native/store/deletions.cpp",
        "native/store/files.cpp",
        "native/store/indexes.cpp",
        "native/store/key_index.cpp",
        "native/store/manifest.cpp",
        "native/store/refs.cpp",
        "native/store/schema.cpp",
        "native/store/segment.cpp",
        "native/store/sessions.cpp",
        "native/store/tail_log.cpp",
        "native/store/versions.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native", "<(usearch_root)/include"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "USEARCH_USE_NUMKONG=1", "NK_DYNAMIC_DISPATCH=1", "USEARCH_USE_OPENMP=0"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-Wno-unknown-pragmas"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      },
      "conditions": [
        ["OS=='linux'", { "ldflags": ["-Wl,--exclude-libs,ALL"] }]
      ]
    },
    {
      "target_name": "numkong_lib",
      "type": "static_library",
      "actions": [
        {
          "action_name": "numkong_probe",
          "message": "Probing the instruction sets the compiler supports (numkong/probes/probe.js)",
          "inputs": ["<(numkong_root)/probes/probe.js"],
          "outputs": ["<(SHARED_INTERMEDIATE_DIR)/numkong/nk_probes.h"],
          "action": ["node", "-e", "const fs = require('fs'), p = require('path'), [from, to] = process.argv.slice(1); fs.cpSync(p.join(from, 'probes'), p.join(to, 'probes'), { recursive: true }); fs.writeFileSync(p.join(to, 'package.json'), JSON.stringify({ type: 'commonjs' })); require(p.resolve(to, 'probes', 'probe.js'))", "<(numkong_root)", "<(SHARED_INTERMEDIATE_DIR)/numkong"]
        }
      ],
      "sources": ["<!@(node -p \"const p = require('path'), fs = require('fs'); const c = p.join('<(numkong_root)', 'c'); fs.readdirSync(c).filter((f) => f.endsWith('.c')).sort().map((f) => p.join(c, f)).join(' ')\")"],
      "include_dirs": ["<(numkong_root)/include"],
      "defines": ["NK_NATIVE_F16=0", "NK_NATIVE_BF16=0", "NK_DYNAMIC_DISPATCH=1"],
      "cflags": ["-std=c11", "-fvisibility=hidden", "-Wno-unknown-pragmas", "-Wno-maybe-uninitialized", "-Wno-cast-function-type", "-Wno-switch", "-Wno-psabi", "-include", "<(SHARED_INTERMEDIATE_DIR)/numkong/nk_probes.h"],
      "configurations": {
        "Release": {
          "cflags!": ["-O3"],
          "cflags": ["-O1"],
          "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "1" }
        }
      },
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-fvisibility=hidden", "-Wno-unknown-pragmas", "-include", "<(SHARED_INTERMEDIATE_DIR)/numkong/nk_probes.h"]
      },
      "direct_dependent_settings": {
        "include_dirs": ["<(numkong_root)/include"]
      }
    }
  ]
}
