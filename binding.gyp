{
  "targets": [
    {
      "target_name": "replaydb",
      "sources": [
        "native/addon.cpp",
        "native/binding/js_values.cpp",
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
        "native/exec/scan.cpp",
        "native/exec/sort.cpp",
        "native/exec/statement.cpp",
        "native/exec/subquery.cpp",
        "native/exec/zone_prune.cpp",
        "native/expr/cast.cpp",
        "native/expr/evaluate.cpp",
        "native/expr/functions.cpp",
        "native/expr/subquery_probe.cpp",
        "native/jsonb/jsonb.cpp",
        "native/store/database.cpp",
        "native/store/deletions.cpp",
        "native/store/files.cpp",
        "native/store/manifest.cpp",
        "native/store/schema.cpp",
        "native/store/segment.cpp",
        "native/store/tail_log.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}
