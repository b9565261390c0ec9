/* The slow half of every emission site: time-stamp and hand to the sinks.
 * Generated from TT_EVENTS so that no event can be forgotten here. */
#include "lttng.h"
#include "sink.h"

unsigned tt__trace_on;

#define TT__U_U64(n) (uint64_t)(n)
#define TT__U_I64(n) (uint64_t)(n)
#define TT__U_STR(n) 0
#define TT__U_NONE(n) 0
#define TT__S_U64(n) NULL
#define TT__S_I64(n) NULL
#define TT__S_STR(n) (n)
#define TT__S_NONE(n) NULL

/* LTTng time-stamps events itself: no clock read on its path. */
#if TT_LTTNG
#define TT__EMIT_LTTNG(name, ...)                                                                  \
  if (tt__trace_on & TT__TRACE_LTTNG)                                                              \
    tt__lttng_##name(__VA_ARGS__);
#else
#define TT__EMIT_LTTNG(name, ...)
#endif

/* The inline encoder of an event without strings: tt__enc_event with the
 * kinds known at compile time (the same bytes: tests/tracer checks the
 * stream against the decoder). */
#define TT__IS_STR(k) (TT_FIELD_##k == TT_FIELD_STR)
#define TT__ENC_U64(i, f)                                                                          \
  p_ = tt__put_varint(p_, tt__zigzag((int64_t)((uint64_t)(f) - prev_[i])));                      \
  prev_[i] = (uint64_t)(f);
#define TT__ENC_I64(i, f) TT__ENC_U64(i, f)
#define TT__ENC_STR(i, f)
#define TT__ENC_NONE(i, f)
#define TT__FAST_NATIVE(id, k0, f0, k1, f1, k2, f2, k3, f3)                                       \
  if (!(TT__IS_STR(k0) | TT__IS_STR(k1) | TT__IS_STR(k2) | TT__IS_STR(k3))) {                      \
    tt__hot *h_ = tt__hot_tls;                                                                      \
    if (TT_LIKELY(h_ != NULL && h_->end - h_->pos >= TT__REC_MAX)) {                                  \
      uint8_t *p_ = h_->pos;                                                                         \
      *p_++ = (uint8_t)(id);                                                                        \
      uint64_t dt_ = ts > h_->d.ts ? ts - h_->d.ts : 0; /* a clock step back is clamped */           \
      h_->d.ts += dt_;                                                                               \
      p_ = tt__put_varint(p_, dt_);                                                                   \
      uint64_t *prev_ = h_->d.prev[id];                                                              \
      (void)prev_;                                                                                  \
      TT__ENC_##k0(0, f0) TT__ENC_##k1(1, f1) TT__ENC_##k2(2, f2) TT__ENC_##k3(3, f3)            \
      __atomic_store_n(&h_->pos, p_, __ATOMIC_RELEASE); /* a crash flush reads pos */                \
      h_->nev++;                                                                                    \
      return;                                                                                      \
    }                                                                                              \
  }

#define TT__DEF_EMIT(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                \
  void tt__emit_##name##_slow(uint64_t ts_, TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2)         \
                                  TT__PN_##k3(f3)) {                                               \
    TT__EMIT_LTTNG(name, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3))                      \
    if (tt__trace_on & TT__TRACE_NATIVE) {                                                         \
      uint64_t ts = ts_ ? ts_ : tt__native_now(); /* emit.h: TSC-scaled CLOCK_MONOTONIC */         \
      TT__FAST_NATIVE(id, k0, f0, k1, f1, k2, f2, k3, f3)                                          \
      const uint64_t u[TT_EVENT_FIELDS] = {TT__U_##k0(f0), TT__U_##k1(f1), TT__U_##k2(f2),         \
                                           TT__U_##k3(f3)};                                        \
      const char *const s[TT_EVENT_FIELDS] = {TT__S_##k0(f0), TT__S_##k1(f1), TT__S_##k2(f2),      \
                                              TT__S_##k3(f3)};                                     \
      tt__native_write(id, ts, u, s);                                                              \
    }                                                                                              \
  }
TT_EVENTS(TT__DEF_EMIT)
