/* The schema as data: names, kinds, log levels, meanings and the columns of
 * the wait reasons, for decoders, viewers and the runtime's reports. */
#include <string.h>

#include "tasktrace/schema.h"

/* ---- Events ---- */

/* One designated initializer per member: TT_EVENTS gives the layout,
 * TT_EVENT_META (joined by name: a line naming no event does not compile)
 * the rest. Both lists have the same length, so every event has its line. */
#define TT__K(k) TT_FIELD_##k
#define TT__NF(k) (TT_FIELD_##k != TT_FIELD_NONE)
#define TT__DESC(id, nm, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                        \
  [id].name = #nm, [id].loglevel = TT_LL_##ll,                                                     \
  [id].nfields = 1 + TT__NF(k1) + TT__NF(k2) + TT__NF(k3),                                         \
  [id].kind = {TT__K(k0), TT__K(k1), TT__K(k2), TT__K(k3)}, [id].field = {#f0, #f1, #f2, #f3},
#define TT__E(e) TT_ENUM_##e
#define TT__META(nm, fl, pr, e0, e1, e2, e3, mean)                                                 \
  [TT_EV_##nm].flags = TT_EVF_##fl, [TT_EV_##nm].pair = TT_EV_##pr,                                \
  [TT_EV_##nm].etype = {TT__E(e0), TT__E(e1), TT__E(e2), TT__E(e3)}, [TT_EV_##nm].meaning = mean,
/* A second line for one event initializes a member twice: an error. */
#pragma GCC diagnostic error "-Woverride-init"
static const tt_ev_desc descs[TT_EV_MAX] = {TT_EVENTS(TT__DESC) TT_EVENT_META(TT__META)};

#define TT__ONE(...) +1
_Static_assert(0 TT_EVENT_META(TT__ONE) == 0 TT_EVENTS(TT__ONE),
               "TT_EVENT_META needs exactly one line per event of TT_EVENTS");

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

/* ---- Wait reasons ---- */

typedef struct state_row {
  const char *name, *word, *colour, *cname;
  char letter;
  int on;
} state_row;

static const state_row states[TT_STATE_MAX] = {
#define TT__SR(v, n, w, l, c, cn, o) [v] = {#n, w, c, cn, l, o},
    TT_STATES(TT__SR)
#undef TT__SR
};
static const state_row unknown_state = {"unknown", "waits for", TT_STATE_COLOUR_OTHER,
                                        "thread_state_unknown", '.', -1};

static const state_row *state(unsigned s) {
  return s < TT_STATE_MAX && states[s].name != NULL ? &states[s] : &unknown_state;
}

const char *tt_state_name(unsigned s) { return state(s)->name; }
const char *tt_state_word(unsigned s) { return state(s)->word; }
char tt_state_letter(unsigned s) { return state(s)->letter; }
const char *tt_state_colour(unsigned s) { return state(s)->colour; }
const char *tt_state_cname(unsigned s) { return state(s)->cname; }
int tt_state_on(unsigned s) { return state(s)->on; }

/* ---- Kinds, exit statuses, enums generically ---- */

static const char *const kind_names[TT_KIND_MAX] = {
#define TT__KN(v, n) [v] = #n,
    TT_KINDS(TT__KN)
#undef TT__KN
};

const char *tt_kind_name(unsigned kind) {
  return kind < TT_KIND_MAX && kind_names[kind] ? kind_names[kind] : "unknown";
}

static const char *const exit_names[TT_EXIT_MAX] = {
#define TT__XN(v, n, N) [v] = #n,
    TT_EXITS(TT__XN)
#undef TT__XN
};

const char *tt_exit_name(unsigned status) {
  return status < TT_EXIT_MAX && exit_names[status] ? exit_names[status] : "unknown";
}

const char *tt_enum_type_name(unsigned etype) {
  static const char *const names[TT_ENUM_MAX] = {[TT_ENUM_STATE] = "tt_state",
                                                 [TT_ENUM_KIND] = "tt_kind",
                                                 [TT_ENUM_EXIT] = "tt_exit_status"};
  return etype < TT_ENUM_MAX ? names[etype] : NULL;
}

unsigned tt_enum_count(unsigned etype) {
  switch (etype) {
  case TT_ENUM_STATE: return TT_STATE_MAX;
  case TT_ENUM_KIND: return TT_KIND_MAX;
  case TT_ENUM_EXIT: return TT_EXIT_MAX;
  default: return 0;
  }
}

const char *tt_enum_value_name(unsigned etype, uint64_t v) {
  if (v >= tt_enum_count(etype))
    return NULL;
  switch (etype) {
  case TT_ENUM_STATE: return states[v].name;
  case TT_ENUM_KIND: return kind_names[v];
  case TT_ENUM_EXIT: return exit_names[v];
  default: return NULL;
  }
}
