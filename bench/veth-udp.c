/* UDP sender/receiver for bench/veth-baseline.sh (Linux; built with gcc at run time).
 *
 *   veth-udp recv <bind-ip> <port> <seconds>         prints "<datagrams> <elapsed-ns>"
 *   veth-udp send <dst-ip> <port> <seconds> <bytes>  prints "<datagrams-sent>"
 *
 * The receiver starts its clock at the first datagram and counts for <seconds>; the sender sends
 * as fast as sendmmsg allows, so the figure is what the receiving side can take in. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXLEN 2048

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int udp_socket(const char *ip, int port, struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, ip, &addr->sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); exit(1); }
  return fd;
}

static int do_recv(const char *ip, int port, double seconds) {
  struct sockaddr_in addr;
  int fd = udp_socket(ip, port, &addr);
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }

  static char bufs[BATCH][MAXLEN];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = MAXLEN;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  long long wait_until = now_ns() + 10000000000LL; /* give the sender 10 s to start */
  long long start = 0, duration = (long long)(seconds * 1e9), elapsed = 0;
  long long count = 0;
  for (;;) {
    int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
    long long t = now_ns();
    if (n > 0) {
      if (start == 0) { start = t; n -= 1; } /* the first datagram only starts the clock */
      count += n;
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      perror("recvmmsg");
      return 1;
    }
    if (start == 0) {
      if (t > wait_until) { fprintf(stderr, "veth-udp: no datagram received\n"); return 1; }
      continue;
    }
    elapsed = t - start;
    if (elapsed >= duration) break;
  }
  printf("%lld %lld\n", count, elapsed);
  return 0;
}

static int do_send(const char *ip, int port, double seconds, int bytes) {
  struct sockaddr_in addr;
  int fd = udp_socket(ip, port, &addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
  static char payload[MAXLEN];
  memset(payload, 0x5a, sizeof payload);
  if (bytes < 0 || bytes > MAXLEN) bytes = 64;
  struct iovec iov = { .iov_base = payload, .iov_len = (size_t)bytes };
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  long long end = now_ns() + (long long)(seconds * 1e9), sent = 0;
  while (now_ns() < end) {
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) sent += n;
    else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) {
      perror("sendmmsg");
      return 1;
    }
  }
  printf("%lld\n", sent);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "recv") == 0) return do_recv(argv[2], atoi(argv[3]), atof(argv[4]));
  if (argc == 6 && strcmp(argv[1], "send") == 0) return do_send(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
  fprintf(stderr, "usage: %s recv <ip> <port> <seconds> | send <ip> <port> <seconds> <bytes>\n", argv[0]);
  return 2;
}
