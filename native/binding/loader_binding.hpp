// The dataloader's Node-API surface (native/loader does the work): registered on the
// addon's exports at load time.
#pragma once
#include <napi.h>

namespace replaydb {

void register_loader(Napi::Env env, Napi::Object exports);

}  // namespace replaydb
