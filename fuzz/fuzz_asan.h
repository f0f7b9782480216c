/*
 * SHMSIM_FUZZ_ASAN: defined when the fuzz target is built with
 * AddressSanitizer (the fuzz preset; not fuzz-fast, not the replays of
 * the default build).
 */
#ifndef SHMSIM_FUZZ_ASAN_H
#define SHMSIM_FUZZ_ASAN_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHMSIM_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SHMSIM_FUZZ_ASAN)
#define SHMSIM_FUZZ_ASAN 1
#endif

#endif /* !SHMSIM_FUZZ_ASAN_H */
