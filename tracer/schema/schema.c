/* The schema as data: names, kinds and log levels for decoders and viewers. */
#include <string.h>

#include "tasktrace/schema.h"

#define TT__K(k) TT_FIELD_##k
#define TT__NF(k) (TT_FIELD_##k != TT_FIELD_NONE)
#define TT__DESC(id, nm, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                        \
  [id] = {#nm,                                                                                     \
          TT_LL_##ll,                                                                              \
          1 + TT__NF(k1) + TT__NF(k2) + TT__NF(k3),                                                \
          {TT__K(k0), TT__K(k1), TT__K(k2), TT__K(k3)},                                            \
          {#f0, #f1, #f2, #f3}},
static const tt_ev_desc descs[TT_EV_MAX] = {TT_EVENTS(TT__DESC)};

const tt_ev_desc *tt_ev_describe(unsigned type) {
  if (type == TT_EV_NONE || type >= TT_EV_MAX || descs[type].name == NULL)
    return NULL;
  return &descs[type];
}

unsigned tt_ev_lookup(const char *name) {
  for (unsigned i = 1; i < TT_EV_MAX; i++)
    if (descs[i].name != NULL && strcmp(descs[i].name, name) == 0)
      return i;
  return TT_EV_NONE;
}

const char *tt_state_name(unsigned state) {
  static const char *const names[] = {
#define TT__SN(v, n) [v] = #n,
      TT_STATES(TT__SN)
#undef TT__SN
  };
  return state < TT_STATE_MAX ? names[state] : "unknown";
}

const char *tt_kind_name(unsigned kind) {
  static const char *const names[] = {
#define TT__KN(v, n) [v] = #n,
      TT_KINDS(TT__KN)
#undef TT__KN
  };
  return kind < TT_KIND_MAX ? names[kind] : "unknown";
}
