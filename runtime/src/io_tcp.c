/* TCP streams: listen, connect, local port. Addresses are numeric (IPv4 or
 * IPv6); name resolution is tt_getaddrinfo's job. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "io.h"

static int parse_addr(const char *host, int port, struct sockaddr_storage *ss) {
  if (host == NULL || port < 0 || port > 65535)
    return -EINVAL;
  memset(ss, 0, sizeof *ss);
  int r = strchr(host, ':') != NULL ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss)
                                    : uv_ip4_addr(host, port, (struct sockaddr_in *)ss);
  return r < 0 ? -EINVAL : 0;
}

void tt__format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t size) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    uv_ip6_name(a, ip, sizeof ip);
    snprintf(out, size, "[%s]:%d", ip, ntohs(a->sin6_port));
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    uv_ip4_name(a, ip, sizeof ip);
    snprintf(out, size, "%s:%d", ip, ntohs(a->sin_port));
  }
}

int tt_tcp_listen(tt_stream **out, const char *host, int port, int backlog) {
  if (out == NULL)
    return -EINVAL;
  *out = NULL;
  struct sockaddr_storage ss;
  int r = parse_addr(host, port, &ss);
  if (r < 0)
    return r;
  tt_stream *s;
  r = tt__stream_new(&s, false);
  if (r < 0)
    return r;
  r = tt__stream_listen(s, uv_tcp_bind(&s->u.tcp, (const struct sockaddr *)&ss, 0), backlog);
  if (r < 0)
    return r;
  /* Named by the bound address, so that port 0 shows the real port. */
  int len = sizeof ss;
  char addr[64];
  if (uv_tcp_getsockname(&s->u.tcp, (struct sockaddr *)&ss, &len) == 0)
    tt__format_sockaddr(&ss, addr, sizeof addr);
  else
    snprintf(addr, sizeof addr, "%s:%d", host, port);
  tt__stream_name(s, "tcp", addr);
  *out = s;
  return 0;
}

int tt_tcp_connect(tt_stream **out, const char *host, int port, tt_deadline deadline) {
  if (out == NULL)
    return -EINVAL;
  *out = NULL;
  struct sockaddr_storage ss;
  int r = parse_addr(host, port, &ss);
  if (r < 0)
    return r;
  if (port == 0)
    return -EINVAL; /* nobody listens on port 0 */
  tt_task *self = tt__enter(&r);
  if (self == NULL)
    return r;
  tt_stream *s;
  r = tt__stream_new(&s, false);
  if (r < 0)
    return r;
  char addr[64];
  tt__format_sockaddr(&ss, addr, sizeof addr);
  tt__stream_name(s, "tcp", addr);
  r = uv_tcp_connect(&s->creq, &s->u.tcp, (const struct sockaddr *)&ss, tt__stream_connect_cb);
  if (r < 0) {
    tt__stream_discard(s);
    return r;
  }
  return tt__stream_connect_wait(s, self, deadline, out);
}

int tt_tcp_port(tt_stream *s) {
  if (s == NULL)
    return -EINVAL;
  int r = tt__check_owner(&s->obj, "tt_tcp_port");
  if (r < 0)
    return r;
  if (s->is_pipe)
    return -EINVAL;
  struct sockaddr_storage ss;
  int len = sizeof ss;
  r = uv_tcp_getsockname(&s->u.tcp, (struct sockaddr *)&ss, &len);
  if (r < 0)
    return r;
  return ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                  : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
