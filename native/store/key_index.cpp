#include "store/key_index.hpp"

#include <cstring>
#include <algorithm>
#include <functional>

namespace replaydb {
namespace {

/** Slots stay at most 70% used (live or erased); beyond that, probe chains lengthen fast. */
bool over_load(size_t used, size_t capacity) { return used * 10 > capacity * 7; }

}  // namespace

uint64_t KeyIndex::hash(std::string_view key) {
  // std::hash is murmur-style over the bytes; a final mix spreads it over the low bits the slots use.
  uint64_t h = std::hash<std::string_view>{}(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

void KeyIndex::reserve(size_t keys) {
  size_t capacity = 16;
  while (over_load(keys + erased_, capacity)) capacity <<= 1;
  if (capacity > slots_.size()) rehash(capacity);
}

size_t KeyIndex::probe(std::string_view key, uint64_t hash, bool& found) const {
  found = false;
  if (slots_.empty()) return SIZE_MAX;
  const size_t mask = slots_.size() - 1;
  size_t insert_at = SIZE_MAX;
  for (size_t i = size_t(hash) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.state == kEmpty) return insert_at != SIZE_MAX ? insert_at : i;
    if (slot.state == kErased) {
      if (insert_at == SIZE_MAX) insert_at = i;
      continue;
    }
    if (slot.hash == hash && slot.length == key.size() && std::memcmp(arena_.data() + slot.offset, key.data(), key.size()) == 0) {
      found = true;
      return i;
    }
  }
}

uint64_t KeyIndex::find(std::string_view key, uint64_t hash) const {
  bool found;
  const size_t i = probe(key, hash, found);
  return found ? slots_[i].position : kNone;
}

void KeyIndex::prefetch(uint64_t hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[size_t(hash) & (slots_.size() - 1)]);
}

void KeyIndex::assign(std::string_view key, uint64_t position) {
  if (slots_.empty() || over_load(live_ + erased_ + 1, slots_.size()) || garbage_bytes_ > std::max<size_t>(arena_.size() / 2, 1 << 20)) {
    // Rehashing drops erased slots and garbage; leave half the slots free for what follows.
    size_t capacity = 16;
    while ((live_ + 1) * 2 > capacity) capacity <<= 1;
    rehash(std::max(capacity, slots_.size()));
  }
  const uint64_t h = hash(key);
  bool found;
  const size_t i = probe(key, h, found);
  Slot& slot = slots_[i];
  if (found) {
    slot.position = position;
    return;
  }
  live_++;
  if (slot.state == kErased) {
    erased_--;
    // A key erased and stored again (an UPDATE of a keyed row) often lands on its own old slot: reuse its bytes.
    if (slot.hash == h && slot.length == key.size() && std::memcmp(arena_.data() + slot.offset, key.data(), key.size()) == 0) {
      garbage_bytes_ -= slot.length;
      slot.position = position;
      slot.state = kLive;
      return;
    }
  }
  slot = Slot{h, position, arena_.size(), uint32_t(key.size()), kLive};
  arena_.append(key);
}

void KeyIndex::erase(std::string_view key) {
  bool found;
  const size_t i = probe(key, hash(key), found);
  if (!found) return;
  slots_[i].state = kErased;
  live_--;
  erased_++;
  garbage_bytes_ += slots_[i].length;
}

void KeyIndex::rehash(size_t capacity) {
  while (over_load(live_, capacity)) capacity <<= 1;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{0, 0, 0, 0, kEmpty});
  // Erased keys' bytes are dropped here too once they are half the arena.
  const bool compact = garbage_bytes_ > arena_.size() / 2;
  std::string arena;
  if (compact) arena.reserve(arena_.size() - garbage_bytes_);
  const size_t mask = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.state != kLive) continue;
    size_t i = size_t(slot.hash) & mask;
    while (slots_[i].state != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
    if (compact) {
      slots_[i].offset = arena.size();
      arena.append(arena_, slot.offset, slot.length);
    }
  }
  if (compact) {
    arena_ = std::move(arena);
    garbage_bytes_ = 0;
  }
  erased_ = 0;
}

}  // namespace replaydb
