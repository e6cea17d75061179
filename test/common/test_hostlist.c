/*
 * test_hostlist.c - SLURM host range expressions (common/hostlist.h).
 *
 * The expected strings were produced by SLURM 22.05.8's own
 * `scontrol show hostnames|hostlist|hostlistsorted`, which work offline.
 * When scontrol is installed the last tests also ask it directly (the
 * oracle), with a throw-away slurm.conf since scontrol insists on one.
 */
#include "common/hostlist.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* All hosts of 'expr' joined with ' ' (caller frees). */
static char *expand(const char *expr)
{
    char err[256] = "";
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr, err, sizeof(err));
    ck_assert_msg(hl != NULL, "parse '%s': %s", expr, err);
    size_t n = flurm_hostlist_count(hl);
    size_t cap = 1, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char *h = flurm_hostlist_nth(hl, i);
        ck_assert_ptr_nonnull(h);
        cap += strlen(h) + 1;
        out = realloc(out, cap);
        len += (size_t)sprintf(out + len, "%s%s", i ? " " : "", h);
        free(h);
    }
    flurm_hostlist_destroy(hl);
    return out;
}

enum form { AS_GIVEN, SORTED, UNIQ };

static char *compact(const char *expr, enum form form)
{
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr, NULL, 0);
    ck_assert_msg(hl != NULL, "parse '%s'", expr);
    if (form == SORTED)
        ck_assert_int_eq(flurm_hostlist_sort(hl), 0);
    if (form == UNIQ)
        ck_assert_int_eq(flurm_hostlist_uniq(hl), 0);
    char *s = flurm_hostlist_ranged_string(hl);
    ck_assert_ptr_nonnull(s);
    flurm_hostlist_destroy(hl);
    return s;
}

struct pair {
    const char *in;
    const char *out;
};

/* `scontrol show hostnames IN` (lines joined with ' '). */
static const struct pair expansions[] = {
    {"node[01-03]", "node01 node02 node03"},
    {"n[1-3,5],gpu[0-1]", "n1 n2 n3 n5 gpu0 gpu1"},
    {"a[1-2]b[3-4]", "a1b3 a1b4 a2b3 a2b4"},
    {"a[1,3]b[2-3]c[7-8]",
     "a1b2c7 a1b2c8 a3b2c7 a3b2c8 a1b3c7 a1b3c8 a3b3c7 a3b3c8"},
    {"n[1-2][3-4]", "n13 n14 n23 n24"},
    {"[1-3]", "1 2 3"},
    {"n[001-3]", "n001 n002 n003"},
    {"n[08-10]", "n08 n09 n10"},
    {"n[9-11]", "n9 n10 n11"},
    {"n[1-0001]", "n1"},
    {"n[01-1]", "n01"},
    {"n[1-2,03-04]", "n1 n2 n03 n04"},
    {"n01[1-2]", "n011 n012"},
    {"a b,c", "a b c"},
    {"a,,b", "a b"},
    {"  n1 ", "n1"},
    {"n[1-3],", "n1 n2 n3"},
    {"n[1-2],n[2-3]", "n1 n2 n2 n3"},
    {"x[1,1]", "x1 x1"},
    {"n[5]", "n5"},
    {"", ""},
};

START_TEST(expands_like_scontrol_show_hostnames)
{
    for (size_t i = 0; i < sizeof(expansions) / sizeof(expansions[0]); i++) {
        char *got = expand(expansions[i].in);
        ck_assert_msg(strcmp(got, expansions[i].out) == 0,
                      "'%s' -> '%s', want '%s'", expansions[i].in, got,
                      expansions[i].out);
        free(got);
    }
}
END_TEST

/* `scontrol show hostlist IN`: the order is kept, neighbours merge. */
static const struct pair compact_forms[] = {
    {"node01,node02,node03,node05", "node[01-03,05]"},
    {"a,b,c", "a,b,c"},
    {"c,b,a", "c,b,a"},
    {"n3,n1,n2", "n[3,1-2]"},
    {"n1,n1,n2", "n[1,1-2]"},
    {"n1,n01,n001,n2,n02", "n[1,01,001,2,02]"},
    {"n9,n10,n11", "n[9-11]"},
    {"n09,n10,n11", "n[09-11]"},
    {"n8,n9,n10,n010", "n[8-10,010]"},
    {"n8,n09", "n[8,09]"},
    {"n099,n100", "n[099-100]"},
    {"n99,n0100", "n[99,0100]"},
    {"a1b3,a2b3,a1b4", "a1b3,a2b3,a1b4"},
    {"n[1-2],m1,n3", "n[1-2],m1,n3"},
    {"n,n1,n2", "n,n[1-2]"},
    {"1,2,3", "[1-3]"},
    {"01,02,x", "[01-02],x"},
    {"node1,node2,node3,gpu1,gpu2", "node[1-3],gpu[1-2]"},
    {"a[1-2]b[3-4]", "a1b[3-4],a2b[3-4]"},
    {"n[1-3],n[5-7],n9", "n[1-3,5-7,9]"},
    {"n[01-02],n3", "n[01-02,3]"},
    {"n-1,n-2", "n-[1-2]"},
    {"n1.x,n2.x", "n1.x,n2.x"},
    {"n4294967295,n4294967296", "n[4294967295-4294967296]"},
    {"n18446744073709551615,n18446744073709551614",
     "n[18446744073709551615,18446744073709551614]"},
    {"n0000000000000000000001,n0000000000000000000002",
     "n[0000000000000000000001-0000000000000000000002]"},
    {"n[1-65536]", "n[1-65536]"},
    {"n5", "n5"},
    {"", ""},
};

START_TEST(compacts_like_scontrol_show_hostlist)
{
    for (size_t i = 0; i < sizeof(compact_forms) / sizeof(compact_forms[0]);
         i++) {
        char *got = compact(compact_forms[i].in, AS_GIVEN);
        ck_assert_msg(strcmp(got, compact_forms[i].out) == 0,
                      "'%s' -> '%s', want '%s'", compact_forms[i].in, got,
                      compact_forms[i].out);
        free(got);
    }
}
END_TEST

/* `scontrol show hostlistsorted IN`. */
static const struct pair sorted_forms[] = {
    {"c,b,a", "a,b,c"},
    {"n3,n1,n2", "n[1-3]"},
    {"n1,n1,n2", "n[1,1-2]"},
    {"n10,n9", "n[9-10]"},
    {"n1,n01,n001,n2,n02", "n[1-2,01-02,001]"},
    {"node2,node10,node1", "node[1-2,10]"},
    {"b1,a2,a1", "a[1-2],b1"},
    {"n2,n,n1", "n,n[1-2]"},
    {"a10b1,a9b1,a9b2", "a9b[1-2],a10b1"},
    {"N1,n2", "N1,n2"},
    {"n2,N1", "N1,n2"},
    {"x,x,y", "x,x,y"},
    {"n08,n9", "n[9,08]"},
    {"n099,n100", "n[099-100]"},
    {"n99,n0100", "n[99,0100]"},
    {"n9,n10,n08", "n[9-10,08]"},
    {"rack1-n2,rack1-n1,rack10-n1,rack2-n1", "rack1-n[1-2],rack2-n1,rack10-n1"},
    {"rack01-n1,rack1-n1,rack001-n1", "rack001-n1,rack01-n1,rack1-n1"},
    {"r2x,r10x,r02x", "r02x,r2x,r10x"},
    {"ab,a,b,aa", "a,aa,ab,b"},
    {"a,A,_,-,1", "1,-,A,_,a"},
    {"x-1,x_1,x.1", "x-1,x.1,x_1"},
    {"n[100-102],n[1-99]", "n[1-102]"},
    {"n[3-4],n[1-2]", "n[1-4]"},
    {"n[0001-0002],n[1-2]", "n[1-2,0001-0002]"},
    {"n[99-109],n097", "n[99-109,097]"},
};

START_TEST(sorts_like_scontrol_show_hostlistsorted)
{
    for (size_t i = 0; i < sizeof(sorted_forms) / sizeof(sorted_forms[0]);
         i++) {
        char *got = compact(sorted_forms[i].in, SORTED);
        ck_assert_msg(strcmp(got, sorted_forms[i].out) == 0,
                      "'%s' -> '%s', want '%s'", sorted_forms[i].in, got,
                      sorted_forms[i].out);
        free(got);
    }
}
END_TEST

START_TEST(uniq_sorts_and_drops_duplicates)
{
    static const struct pair cases[] = {
        {"n3,n[1-5]", "n[1-5]"},
        {"n[1-3],n[2-5],n1", "n[1-5]"},
        {"x,x,y,x", "x,y"},
        {"n[9-10],n10", "n[9-10]"},
        {"n[9-10],n08,n10", "n[9-10,08]"},
        {"n01[1-2],n011,n012,n013", "n[011-013]"},
        {"node[01-16],node[08-20]", "node[01-20]"},
        {"n[99-109],n097,n100", "n[99-109,097]"},
        {"b2,a1,b1,a1", "a1,b[1-2]"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = compact(cases[i].in, UNIQ);
        ck_assert_msg(strcmp(got, cases[i].out) == 0, "'%s' -> '%s', want '%s'",
                      cases[i].in, got, cases[i].out);
        free(got);
    }
    /* the count follows */
    struct flurm_hostlist *hl = flurm_hostlist_parse("n[1-10],n[5-15],n3", NULL, 0);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 22);
    ck_assert_int_eq(flurm_hostlist_uniq(hl), 0);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 15);
    flurm_hostlist_destroy(hl);
}
END_TEST

START_TEST(syntax_errors_are_refused_with_einval)
{
    static const char *bad[] = {
        "n[3-1]",   "n[]",     "n[a-b]",   "n[-1]",    "n[1-]",
        "n[1-2,]",  "n[,1]",   "n[1-3",    "n1-3]",    "n[[1-2]",
        "n[1-2]]",  "n[1-2]x", "node[1-3]-ib", "a[1-2]b[3-4]c",
        "n[ 1-2]",  "n[0x1-2]", "n[99999999999999999999-1]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        errno = 0;
        struct flurm_hostlist *hl = flurm_hostlist_parse(bad[i], err, sizeof(err));
        ck_assert_msg(hl == NULL, "'%s' was accepted", bad[i]);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(err[0] != '\0', "no message for '%s'", bad[i]);
    }
}
END_TEST

START_TEST(hostile_ranges_are_refused_with_e2big)
{
    static const char *big[] = {
        "node[1-999999999]",
        "n[0-65536]",                     /* SLURM's per-range limit */
        "n[0-4294967296]",
        "a[1-1025]b[1-1024]",             /* 1,049,600 > 1M per expression */
        "a[1-65536]b[1-65536]c[1-65536]",
        "n[1-60000],m[1-60000],o[1-60000],p[1-60000],q[1-60000],"
        "r[1-60000],s[1-60000],t[1-60000],u[1-60000],v[1-60000],"
        "w[1-60000],x[1-60000],y[1-60000],z[1-60000],aa[1-60000],"
        "ab[1-60000],ac[1-60000],ad[1-60000]",
    };
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        char err[256] = "";
        errno = 0;
        ck_assert_msg(flurm_hostlist_parse(big[i], err, sizeof(err)) == NULL,
                      "'%s' was accepted", big[i]);
        ck_assert_int_eq(errno, E2BIG);
        ck_assert_msg(err[0] != '\0', "no message for '%s'", big[i]);
    }
    /* the limits themselves are fine */
    struct flurm_hostlist *hl = flurm_hostlist_parse("n[1-65536]", NULL, 0);
    ck_assert_ptr_nonnull(hl);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 65536);
    flurm_hostlist_destroy(hl);
    hl = flurm_hostlist_parse("a[1-1024]b[1-1024]", NULL, 0);
    ck_assert_ptr_nonnull(hl);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 1024 * 1024);
    flurm_hostlist_destroy(hl);
}
END_TEST

START_TEST(count_nth_and_find_agree)
{
    struct flurm_hostlist *hl =
        flurm_hostlist_parse("login,node[01-16],gpu[0-1],n01[1-2]", NULL, 0);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 21);

    char *h = flurm_hostlist_nth(hl, 0);
    ck_assert_str_eq(h, "login");
    free(h);
    h = flurm_hostlist_nth(hl, 16);
    ck_assert_str_eq(h, "node16");
    free(h);
    h = flurm_hostlist_nth(hl, 20);
    ck_assert_str_eq(h, "n012");
    free(h);
    errno = 0;
    ck_assert_ptr_null(flurm_hostlist_nth(hl, 21));
    ck_assert_int_eq(errno, ERANGE);

    ck_assert_int_eq(flurm_hostlist_find(hl, "login"), 0);
    ck_assert_int_eq(flurm_hostlist_find(hl, "node01"), 1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "node16"), 16);
    ck_assert_int_eq(flurm_hostlist_find(hl, "gpu1"), 18);
    ck_assert_int_eq(flurm_hostlist_find(hl, "n011"), 19);
    /* the padding is part of the name */
    errno = 0;
    ck_assert_int_eq(flurm_hostlist_find(hl, "node1"), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(flurm_hostlist_find(hl, "node001"), -1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "node17"), -1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "gpu01"), -1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "log"), -1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "n11"), -1);
    flurm_hostlist_destroy(hl);

    /* a width-1 range holds its longer numbers unpadded */
    hl = flurm_hostlist_parse("n[9-11]", NULL, 0);
    ck_assert_int_eq(flurm_hostlist_find(hl, "n10"), 1);
    ck_assert_int_eq(flurm_hostlist_find(hl, "n010"), -1);
    flurm_hostlist_destroy(hl);
}
END_TEST

static int collect(const char *host, void *arg)
{
    char *buf = arg;
    if (buf[0])
        strcat(buf, " ");
    strcat(buf, host);
    return strcmp(host, "stop") == 0 ? -7 : 0;
}

START_TEST(foreach_visits_in_order_and_stops_on_negative)
{
    char buf[256] = "";
    struct flurm_hostlist *hl = flurm_hostlist_parse("b[2-3],a,stop,z", NULL, 0);

    ck_assert_int_eq(flurm_hostlist_foreach(hl, collect, buf), -7);
    ck_assert_str_eq(buf, "b2 b3 a stop");
    flurm_hostlist_destroy(hl);
}
END_TEST

START_TEST(prefix_digits_fold_into_the_number)
{
    /* "n01[1-2]" and "n011,n012" are the same two hosts */
    char *s = compact("n01[1-2],n013", AS_GIVEN);
    ck_assert_str_eq(s, "n[011-013]");
    free(s);
    s = compact("a[1-2][8-11]", AS_GIVEN);
    ck_assert_str_eq(s, "a[18-19,110-111,28-29,210-211]");
    free(s);
    s = expand("a[1-2][8-11]");
    ck_assert_str_eq(s, "a18 a19 a110 a111 a28 a29 a210 a211");
    free(s);
}
END_TEST

START_TEST(push_appends_all_or_nothing)
{
    char err[256];
    struct flurm_hostlist *hl = flurm_hostlist_create();

    ck_assert_int_eq(flurm_hostlist_push(hl, "n[1-2]", err, sizeof(err)), 0);
    ck_assert_int_eq(flurm_hostlist_push(hl, "n3,m1", err, sizeof(err)), 0);
    ck_assert_int_eq(flurm_hostlist_push(hl, "z1,n[5-1]", err, sizeof(err)), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(flurm_hostlist_push_host(hl, "login"), 0);
    ck_assert_int_eq(flurm_hostlist_push_host(hl, "a,b"), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(flurm_hostlist_push_host(hl, "n[1]"), -1);
    ck_assert_int_eq(flurm_hostlist_push_host(hl, ""), -1);
    ck_assert_uint_eq(flurm_hostlist_count(hl), 5);
    char *s = flurm_hostlist_ranged_string(hl);
    ck_assert_str_eq(s, "n[1-3],m1,login");
    free(s);
    flurm_hostlist_destroy(hl);
}
END_TEST

START_TEST(union_is_sorted_and_unique)
{
    struct flurm_hostlist *a = flurm_hostlist_parse("node[05-10],gpu1", NULL, 0);
    struct flurm_hostlist *b = flurm_hostlist_parse("node[01-06],gpu1,login", NULL, 0);

    ck_assert_int_eq(flurm_hostlist_union(a, b), 0);
    char *s = flurm_hostlist_ranged_string(a);
    ck_assert_str_eq(s, "gpu1,login,node[01-10]");
    free(s);
    ck_assert_uint_eq(flurm_hostlist_count(a), 12);
    /* b is untouched */
    s = flurm_hostlist_ranged_string(b);
    ck_assert_str_eq(s, "node[01-06],gpu1,login");
    free(s);
    /* with itself */
    ck_assert_int_eq(flurm_hostlist_union(b, b), 0);
    ck_assert_uint_eq(flurm_hostlist_count(b), 8);
    flurm_hostlist_destroy(a);
    flurm_hostlist_destroy(b);
}
END_TEST

START_TEST(copy_is_deep_and_destroy_null_is_noop)
{
    struct flurm_hostlist *a = flurm_hostlist_parse("n[3,1-2]", NULL, 0);
    struct flurm_hostlist *c = flurm_hostlist_copy(a);

    ck_assert_int_eq(flurm_hostlist_sort(a), 0);
    flurm_hostlist_destroy(a);
    char *s = flurm_hostlist_ranged_string(c);
    ck_assert_str_eq(s, "n[3,1-2]");
    free(s);
    flurm_hostlist_destroy(c);
    flurm_hostlist_destroy(NULL);
}
END_TEST

/* ---- scontrol as an oracle -------------------------------------------- */

static char conf_dir[] = "/tmp/flurm-test-hostlist.XXXXXX";
static bool oracle_ready;

/* Done once in main(), before Check forks the tests. */
static void oracle_setup(void)
{
    char path[256];

    if (access("/usr/bin/scontrol", X_OK) != 0 || !mkdtemp(conf_dir))
        return;
    snprintf(path, sizeof(path), "%s/slurm.conf", conf_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs("ClusterName=oracle\nSlurmctldHost=localhost\n", f);
    fclose(f);
    setenv("SLURM_CONF", path, 1);
    oracle_ready = true;
}

static void oracle_cleanup(void)
{
    char path[256];

    if (strcmp(conf_dir, "/tmp/flurm-test-hostlist.XXXXXX") == 0)
        return;
    snprintf(path, sizeof(path), "%s/slurm.conf", conf_dir);
    unlink(path);
    rmdir(conf_dir);
}

/* scontrol's output lines joined with ' ' (caller frees). */
static char *scontrol(const char *what, const char *expr)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "/usr/bin/scontrol show %s '%s' 2>/dev/null",
             what, expr);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    char line[1024];
    while (fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        if (len + strlen(line) + 2 > cap) {
            cap = 2 * (len + strlen(line) + 2);
            out = realloc(out, cap);
        }
        len += (size_t)sprintf(out + len, "%s%s", len ? " " : "", line);
    }
    pclose(p);
    return out;
}

/* Duplicate-free mixes of widths, prefixes and ranges: on these FLURM and
 * SLURM print the same in all three forms.  (With duplicates, SLURM's sort
 * splits overlapping ranges oddly; FLURM keeps them whole.) */
static const char *oracle_inputs[] = {
    "r1n7,gpu033,node[55,50,020-33],x112,gpu95",
    "node[038-39],node[99-113],a-[50],n006,a-17",
    "gpu[01-16],gpu104,node[37-39],n6,gpu74",
    "rack[069-73,110],gpu12,gpu[20]",
    "gpu[74-88,041-47,21-28],97,node11,x5",
    "rack[61,8],101,a-108,rack[69,1-3],n,rack[002,87-101,011-12]",
    "x102,rack[109-123,077,34-46],rack[32,96-108]",
    "a[1,3]b[2-3]c[7-8]d[1-2]",
    "p[1-2]q[0-1]r[05-06],p1q0r07",
    "n[1-100],n[001-099]",
    "tux[000-120],tux[121-130],login1,login2,tux[0-5]",
    "n9,n10,n08,n[11-12]",
};

START_TEST(matches_scontrol_when_installed)
{
    if (!oracle_ready) {
        fprintf(stderr, "test_hostlist: scontrol not installed, oracle skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof(oracle_inputs) / sizeof(oracle_inputs[0]); i++) {
        const char *in = oracle_inputs[i];
        char *want = scontrol("hostnames", in);
        char *got = expand(in);
        ck_assert_msg(strcmp(want, got) == 0, "hostnames '%s': slurm '%s' flurm '%s'",
                      in, want, got);
        free(want);
        free(got);
        want = scontrol("hostlist", in);
        got = compact(in, AS_GIVEN);
        ck_assert_msg(strcmp(want, got) == 0, "hostlist '%s': slurm '%s' flurm '%s'",
                      in, want, got);
        free(want);
        free(got);
        want = scontrol("hostlistsorted", in);
        got = compact(in, SORTED);
        ck_assert_msg(strcmp(want, got) == 0,
                      "hostlistsorted '%s': slurm '%s' flurm '%s'", in, want, got);
        free(want);
        free(got);
    }
}
END_TEST

static Suite *hostlist_suite(void)
{
    Suite *s = suite_create("hostlist");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, expands_like_scontrol_show_hostnames);
    tcase_add_test(tc, compacts_like_scontrol_show_hostlist);
    tcase_add_test(tc, sorts_like_scontrol_show_hostlistsorted);
    tcase_add_test(tc, uniq_sorts_and_drops_duplicates);
    tcase_add_test(tc, syntax_errors_are_refused_with_einval);
    tcase_add_test(tc, hostile_ranges_are_refused_with_e2big);
    tcase_add_test(tc, count_nth_and_find_agree);
    tcase_add_test(tc, foreach_visits_in_order_and_stops_on_negative);
    tcase_add_test(tc, prefix_digits_fold_into_the_number);
    tcase_add_test(tc, push_appends_all_or_nothing);
    tcase_add_test(tc, union_is_sorted_and_unique);
    tcase_add_test(tc, copy_is_deep_and_destroy_null_is_noop);
    tcase_add_test(tc, matches_scontrol_when_installed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    oracle_setup();
    SRunner *sr = srunner_create(hostlist_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
