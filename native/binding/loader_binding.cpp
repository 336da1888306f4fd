// The dataloader's Node-API surface. (Being written: registers nothing yet.)
#include "binding/loader_binding.hpp"

namespace replaydb {

void register_loader(Napi::Env, Napi::Object) {}

}  // namespace replaydb
