/* The tracepoint provider package of provider `tasktrace`: the probes, in a
 * shared object of their own (libtasktrace-lttng.so, linked with
 * liblttng-ust). Programs never link it: the tracer dlopen()s it at
 * tt_tracer_init (tracer/emit/src/lttng.c), so a program built with tasktrace
 * starts without touching liblttng-ust and runs where it is not installed.
 * The provider header is generated from TT_EVENTS (tracer/emit/lttng/gen_lttng.c). */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "tasktrace_tp.h"
