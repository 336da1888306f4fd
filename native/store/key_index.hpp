// A table's primary-key index: encoded key → position of the live row holding it. Open
// addressing with linear probing over 32-byte slots (hash, position, where the key's bytes
// are); the bytes live in one arena and are compared only when the hash matches, so a
// probe touches one slot and one key. Looking up many keys at once (a join's bounded side)
// prefetches every slot first, so their cache misses overlap instead of queueing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replaydb {

class KeyIndex {
 public:
  static constexpr uint64_t kNone = UINT64_MAX;

  static uint64_t hash(std::string_view key);

  size_t size() const { return live_; }
  void reserve(size_t keys);
  /** The position stored under `key` (whose hash() is `hash`), or kNone. */
  uint64_t find(std::string_view key, uint64_t hash) const;
  uint64_t find(std::string_view key) const { return find(key, hash(key)); }
  bool contains(std::string_view key) const { return find(key) != kNone; }
  /** Asks the CPU to fetch the slot a lookup of `hash` reads first. */
  void prefetch(uint64_t hash) const;
  /** Stores `position` under `key`, replacing what was there. */
  void assign(std::string_view key, uint64_t position);
  /** Removes `key` (nothing if absent). */
  void erase(std::string_view key);

 private:
  enum State : uint32_t { kEmpty = 0, kLive = 1, kErased = 2 };
  struct Slot {
    uint64_t hash;
    uint64_t position;
    uint64_t offset;  // of the key's bytes in arena_
    uint32_t length;
    uint32_t state;
  };
  /** Index of the live slot holding `key`, or of the slot where it would go (SIZE_MAX when none). */
  size_t probe(std::string_view key, uint64_t hash, bool& found) const;
  void rehash(size_t capacity);

  std::vector<Slot> slots_;  // power-of-two size (or empty)
  std::string arena_;
  size_t live_ = 0;
  size_t erased_ = 0;         // slots marked kErased
  size_t garbage_bytes_ = 0;  // arena bytes of erased or replaced keys
};

}  // namespace replaydb
