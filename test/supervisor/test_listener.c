/*
 * test_listener.c - the SLURM listening sockets: SlurmctldPort is read as
 * slurmctld reads it (default 6817, case-insensitive key, last one wins,
 * ranges), a slurm.conf the controller could not use is refused, and every
 * port of a range is bound, non-blocking, listening.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/listener.h"

static char err[512];

/* SlurmctldPort of a slurm.conf holding `text`. */
static char *port_of(const char *text)
{
    char path[] = "/tmp/test_listener.XXXXXX";
    int fd = mkstemp(path);
    char *port;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    port = sup_slurmctld_port(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(port != NULL, "%s", err);
    return port;
}

#define ck_port(text, want) \
    do { \
        char *p_ = port_of(text); \
        ck_assert_str_eq(p_, want); \
        free(p_); \
    } while (0)

START_TEST(test_slurmctld_port)
{
    ck_port("ClusterName=x\nSlurmctldHost=localhost\n", "6817");
    ck_port("ClusterName=x\nSlurmctldHost=localhost\nSlurmctldPort=7002\n", "7002");
    ck_port("ClusterName=x\nSlurmctldHost=localhost\nslurmctldport=7003   # comment\n", "7003");
    ck_port("ClusterName=x\nSlurmctldHost=localhost\n#SlurmctldPort=1\nSlurmctldPort=7004-7005\n", "7004-7005");
    ck_port("ClusterName=x\nSlurmctldHost=localhost\nSlurmctldPort=7001\nSlurmctldPort=7006\n", "7006");
    ck_port("ClusterName=x\nSlurmctldHost=localhost\nSlurmdPort=6820\n", "6817");
}
END_TEST

START_TEST(test_slurmctld_port_bad_file)
{
    char path[] = "/tmp/test_listener.XXXXXX";
    int fd = mkstemp(path);
    const char *text = "ClusterName=x\nSlurmctldHost=localhost\nSlurmctldPort=abc\n";
    char *port;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    port = sup_slurmctld_port(path, err, sizeof(err));
    unlink(path);
    ck_assert_ptr_null(port);
    /* the reason names the file (common/slurmconf.h words the rest) */
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);
}
END_TEST

START_TEST(test_slurmctld_port_missing_file)
{
    ck_assert_ptr_null(sup_slurmctld_port("/nonexistent/slurm.conf", err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent/slurm.conf") != NULL, "%s", err);
}
END_TEST

START_TEST(test_port_range_parse)
{
    int lo, hi;

    ck_assert_int_eq(sup_port_range_parse("6817", &lo, &hi), 0);
    ck_assert_int_eq(lo, 6817);
    ck_assert_int_eq(hi, 6817);
    ck_assert_int_eq(sup_port_range_parse("6817-6820", &lo, &hi), 0);
    ck_assert_int_eq(lo, 6817);
    ck_assert_int_eq(hi, 6820);
    ck_assert_int_eq(sup_port_range_parse("", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("0", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("70000", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("6820-6817", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("6817-", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("-6817", &lo, &hi), -1);
    ck_assert_int_eq(sup_port_range_parse("68x", &lo, &hi), -1);
}
END_TEST

/* Whether a TCP port of 127.0.0.1 can be bound right now. */
static int bindable(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    ck_assert_int_ge(fd, 0);
    ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* A port that, with the next one, nobody uses right now.  Below the
 * kernel's ephemeral range (ip_local_port_range): a kernel-chosen port, or
 * its neighbour, can be taken before the test binds it, as the local end
 * of one of the thousands of outgoing connections the tests running beside
 * this one make (seen in CI: port + 1 "Address already in use"). */
static int free_port(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    int low = 32768, span;

    if (f) {
        if (fscanf(f, "%d", &low) != 1)
            low = 32768;
        fclose(f);
    }
    span = low - 10000 > 1000 ? low - 10000 : 1000;
    srand((unsigned)getpid() ^ (unsigned)time(NULL));
    for (int i = 0; i < 200; i++) {
        int port = 10000 + rand() % (span - 1);

        if (bindable(port) && bindable(port + 1))
            return port;
    }
    ck_abort_msg("no two free ports below %d", low);
    return -1;
}

static int connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof(a));

    close(fd);
    return rc;
}

START_TEST(test_listen_open)
{
    int port = free_port();
    int *fds = NULL;
    size_t n = 0;

    ck_assert_msg(sup_listen_open("127.0.0.1", port, port, &fds, &n, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert_uint_eq(n, 1);
    ck_assert(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(connect_to(port), 0);
    sup_listen_close(fds, n);
    ck_assert_int_eq(connect_to(port), -1);
}
END_TEST

START_TEST(test_listen_busy_port_fails_and_leaves_nothing_open)
{
    int port = free_port();
    int *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    char want[128];

    ck_assert_int_eq(sup_listen_open("127.0.0.1", port + 1, port + 1, &a, &na, err, sizeof(err)),
                     0);
    /* the range's second port is busy: the first must be closed again */
    ck_assert_int_eq(sup_listen_open("127.0.0.1", port, port + 1, &b, &nb, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "bind 127.0.0.1 port %d: Address already in use", port + 1);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(connect_to(port), -1);
    sup_listen_close(a, na);
}
END_TEST

START_TEST(test_listen_bad_address)
{
    int *fds = NULL;
    size_t n = 0;

    ck_assert_int_eq(sup_listen_open("not-an-address", 7000, 7000, &fds, &n, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "listen address not-an-address: ",
                          strlen("listen address not-an-address: ")) == 0,
                  "%s", err);
    sup_listen_close(NULL, 0);
}
END_TEST

static Suite *listener_suite(void)
{
    Suite *s = suite_create("supervisor listener");
    TCase *tc = tcase_create("listener");

    tcase_add_test(tc, test_slurmctld_port);
    tcase_add_test(tc, test_slurmctld_port_bad_file);
    tcase_add_test(tc, test_slurmctld_port_missing_file);
    tcase_add_test(tc, test_port_range_parse);
    tcase_add_test(tc, test_listen_open);
    tcase_add_test(tc, test_listen_busy_port_fails_and_leaves_nothing_open);
    tcase_add_test(tc, test_listen_bad_address);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(listener_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
