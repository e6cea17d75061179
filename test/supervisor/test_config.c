/*
 * test_config.c - the supervisor's configuration is parsed strictly: every
 * field lands where it should, defaults fill the rest, and every mistake is
 * one error naming the file and the key path.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/config.h"

static char err[1024];

/* Parse `text` as if read from "conf/t.json", exec names resolved in /bin. */
static struct sup_config *parse(const char *text)
{
    err[0] = '\0';
    return sup_config_parse(text, "conf/t.json", "/bin", err, sizeof(err));
}

/* The error a text gets; the test fails if it parses. */
static const char *error_of(const char *text)
{
    struct sup_config *c = parse(text);

    ck_assert_msg(c == NULL, "expected an error for: %s", text);
    ck_assert_int_eq(errno, EINVAL);
    return err;
}

START_TEST(test_full_tree)
{
    struct sup_config *c = parse(
        "{\"listen_address\": \"127.0.0.1\", \"listen_port\": \"7000-7001\","
        " \"slurm_conf\": \"/etc/x.conf\", \"comment\": \"why not\","
        " \"tree\": {\"name\": \"root\", \"strategy\": \"rest_for_one\", \"intensity\": 7,"
        "  \"period\": 2.5, \"backoff_min\": 10, \"backoff_max\": 20, \"children\": ["
        "   {\"name\": \"store\", \"exec\": \"true\", \"args\": [\"-x\", \"y\"],"
        "    \"env\": {\"A\": \"1\"}, \"restart\": \"transient\", \"shutdown\": 0,"
        "    \"listen\": true, \"ready_timeout\": 42},"
        "   {\"name\": \"inner\", \"children\": [{\"name\": \"leaf\", \"exec\": \"/bin/sh\"}]}"
        " ]}}");

    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(c->listen_address, "127.0.0.1");
    ck_assert_str_eq(c->listen_port, "7000-7001");
    ck_assert_str_eq(c->slurm_conf, "/etc/x.conf");
    ck_assert_str_eq(c->bindir, "/bin");

    const struct sup_spec *root = c->tree;
    ck_assert_int_eq(root->kind, SUP_SPEC_SUPERVISOR);
    ck_assert_str_eq(root->name, "root");
    ck_assert_int_eq(root->strategy, SUP_REST_FOR_ONE);
    ck_assert_int_eq(root->intensity, 7);
    ck_assert(root->period_s == 2.5);
    ck_assert_int_eq(root->backoff_min_ms, 10);
    ck_assert_int_eq(root->backoff_max_ms, 20);
    ck_assert_uint_eq(root->nchildren, 2);

    const struct sup_spec *store = root->children[0];
    ck_assert_int_eq(store->kind, SUP_SPEC_SERVICE);
    ck_assert_str_eq(store->exec, "/bin/true");
    ck_assert_str_eq(store->args[0], "-x");
    ck_assert_str_eq(store->args[1], "y");
    ck_assert_ptr_null(store->args[2]);
    ck_assert_str_eq(store->env[0], "A=1");
    ck_assert_ptr_null(store->env[1]);
    ck_assert_int_eq(store->restart, SUP_RESTART_TRANSIENT);
    ck_assert_int_eq(store->shutdown_ms, 0);
    ck_assert(store->listen);
    ck_assert_int_eq(store->ready_timeout_ms, 42);
    ck_assert_str_eq(store->keypath, "tree.children[0]");

    const struct sup_spec *inner = root->children[1];
    ck_assert_int_eq(inner->kind, SUP_SPEC_SUPERVISOR);
    ck_assert_str_eq(inner->children[0]->keypath, "tree.children[1].children[0]");
    ck_assert_ptr_eq(sup_config_find(c, "leaf"), inner->children[0]);
    ck_assert_ptr_null(sup_config_find(c, "nosuch"));
    ck_assert(sup_config_wants_listener(c));
    sup_config_destroy(c);
}
END_TEST

START_TEST(test_defaults)
{
    struct sup_config *c =
        parse("{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\"}]}}");

    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(c->listen_address, "0.0.0.0");
    ck_assert_ptr_null(c->listen_port);
    ck_assert_ptr_null(c->slurm_conf);
    ck_assert_int_eq(c->tree->strategy, SUP_ONE_FOR_ONE);
    ck_assert_int_eq(c->tree->intensity, SUP_DEFAULT_INTENSITY);
    ck_assert(c->tree->period_s == SUP_DEFAULT_PERIOD_S);
    ck_assert_int_eq(c->tree->backoff_min_ms, SUP_DEFAULT_BACKOFF_MIN_MS);
    ck_assert_int_eq(c->tree->backoff_max_ms, SUP_DEFAULT_BACKOFF_MAX_MS);
    const struct sup_spec *a = c->tree->children[0];
    ck_assert_int_eq(a->restart, SUP_RESTART_PERMANENT);
    ck_assert_int_eq(a->shutdown_ms, SUP_DEFAULT_SHUTDOWN_MS);
    ck_assert_int_eq(a->ready_timeout_ms, SUP_DEFAULT_READY_TIMEOUT_MS);
    ck_assert(!a->listen);
    ck_assert_ptr_null(a->args[0]);
    ck_assert_ptr_null(a->env[0]);
    ck_assert(!sup_config_wants_listener(c));
    sup_config_destroy(c);
}
END_TEST

START_TEST(test_empty_supervisor_is_allowed)
{
    struct sup_config *c = parse("{\"tree\": {\"name\": \"r\", \"children\": []}}");

    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_uint_eq(c->tree->nchildren, 0);
    sup_config_destroy(c);
}
END_TEST

START_TEST(test_bindir_from_file_is_relative_to_the_file)
{
    struct sup_config *c;
    char cwd[4096], want[4200];

    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    /* "/" as the file's folder keeps the test independent of the cwd */
    c = sup_config_parse("{\"bindir\": \"bin\", \"tree\": {\"name\": \"r\", \"children\": "
                         "[{\"name\": \"a\", \"exec\": \"sh\"}]}}",
                         "/t.json", "/nonexistent", err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(c->bindir, "/bin");
    ck_assert_str_eq(c->tree->children[0]->exec, "/bin/sh");
    sup_config_destroy(c);

    snprintf(want, sizeof(want), "%s/conf/../bin", cwd);
    c = sup_config_parse("{\"bindir\": \"../bin\", \"tree\": {\"name\": \"r\", \"children\": []}}",
                         "conf/t.json", NULL, err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(c->bindir, want);
    sup_config_destroy(c);
}
END_TEST

START_TEST(test_bindir_from_environment)
{
    struct sup_config *c;

    setenv("FLURM_BINDIR", "/usr/bin", 1);
    c = parse("{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"env\"}]}}");
    unsetenv("FLURM_BINDIR");
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(c->tree->children[0]->exec, "/usr/bin/env");
    sup_config_destroy(c);
}
END_TEST

START_TEST(test_relative_exec_without_bindir)
{
    struct sup_config *c = sup_config_parse(
        "{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\"}]}}",
        "t.json", NULL, err, sizeof(err));

    ck_assert_ptr_null(c);
    ck_assert_str_eq(err, "t.json: tree.children[0].exec: relative name \"sh\" but no bindir is known");
}
END_TEST

struct bad_case {
    const char *json;
    const char *error;
};

/* Each mistake and the one message it must produce. */
static const struct bad_case bad_cases[] = {
    {"[]", "conf/t.json: expected a JSON object at the top level"},
    {"{}", "conf/t.json: tree: required"},
    {"{\"tree\": {\"name\": \"r\", \"children\": []}, \"extra\": 1}",
     "conf/t.json: extra: unknown key for the configuration"},
    {"{\"tree\": {\"name\": \"r\", \"exec\": \"/bin/sh\"}}",
     "conf/t.json: tree: the root must be a supervisor (children), not a service"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\"}]}}",
     "conf/t.json: tree.children[0]: needs exec (a service) or children (a supervisor)"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"children\": []}]}}",
     "conf/t.json: tree.children[0]: has both exec and children: a node is either a service "
     "(exec) or a supervisor (children)"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"exec\": \"sh\"}]}}",
     "conf/t.json: tree.children[0].name: required"},
    {"{\"tree\": {\"name\": \"a b\", \"children\": []}}",
     "conf/t.json: tree.name: \"a b\": expected 1 to 63 of A-Z a-z 0-9 _ - ."},
    {"{\"tree\": {\"name\": 7, \"children\": []}}", "conf/t.json: tree.name: expected a string"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"r\", \"exec\": \"sh\"}]}}",
     "conf/t.json: tree.children[0].name: duplicate name \"r\" (also at tree)"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"restart\": \"sometimes\"}]}}",
     "conf/t.json: tree.children[0].restart: expected one of permanent, transient, temporary"},
    {"{\"tree\": {\"name\": \"r\", \"strategy\": 1, \"children\": []}}",
     "conf/t.json: tree.strategy: expected one of one_for_one, rest_for_one, one_for_all"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"shutdown\": 1.5}]}}",
     "conf/t.json: tree.children[0].shutdown: expected an integer of milliseconds from 0 to "
     "3600000"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"ready_timeout\": 0}]}}",
     "conf/t.json: tree.children[0].ready_timeout: expected an integer of milliseconds from 1 to "
     "3600000"},
    {"{\"tree\": {\"name\": \"r\", \"intensity\": -1, \"children\": []}}",
     "conf/t.json: tree.intensity: expected an integer number of restarts from 0 to 1000000"},
    {"{\"tree\": {\"name\": \"r\", \"period\": 0, \"children\": []}}",
     "conf/t.json: tree.period: expected a number of seconds above 0 and at most 86400"},
    {"{\"tree\": {\"name\": \"r\", \"backoff_min\": 50, \"backoff_max\": 10, \"children\": []}}",
     "conf/t.json: tree.backoff_max: must be at least backoff_min (50)"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"listen\": \"yes\"}]}}",
     "conf/t.json: tree.children[0].listen: expected true or false"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"args\": \"-x\"}]}}",
     "conf/t.json: tree.children[0].args: expected an array of strings"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"args\": [\"-x\", 3]}]}}",
     "conf/t.json: tree.children[0].args[1]: expected a string"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"env\": {\"SLURM_CONF\": \"/x\"}}]}}",
     "conf/t.json: tree.children[0].env.SLURM_CONF: reserved: the supervisor sets it"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"env\": {\"1X\": \"y\"}}]}}",
     "conf/t.json: tree.children[0].env.1X: not a valid environment variable name"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"env\": {\"X\": 1}}]}}",
     "conf/t.json: tree.children[0].env.X: expected a string"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"sh\", "
     "\"strategy\": \"one_for_one\"}]}}",
     "conf/t.json: tree.children[0].strategy: unknown key for a service"},
    {"{\"tree\": {\"name\": \"r\", \"restart\": \"temporary\", \"children\": []}}",
     "conf/t.json: tree.restart: unknown key for a supervisor"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"in\", \"children\": "
     "[{\"name\": \"a\", \"exec\": \"no-such-binary\"}]}]}}",
     "conf/t.json: tree.children[0].children[0].exec: /bin/no-such-binary: No such file or "
     "directory"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"/etc/passwd\"}]}}",
     "conf/t.json: tree.children[0].exec: /etc/passwd: not executable: Permission denied"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"a\", \"exec\": \"/bin\"}]}}",
     "conf/t.json: tree.children[0].exec: /bin: not a regular file"},
    {"{\"listen_port\": \"0\", \"tree\": {\"name\": \"r\", \"children\": []}}",
     "conf/t.json: listen_port: expected a port (1-65535) or a range \"LOW-HIGH\" of at most 64 "
     "ports"},
    {"{\"listen_port\": \"7000-6999\", \"tree\": {\"name\": \"r\", \"children\": []}}",
     "conf/t.json: listen_port: expected a port (1-65535) or a range \"LOW-HIGH\" of at most 64 "
     "ports"},
    {"{\"listen_port\": true, \"tree\": {\"name\": \"r\", \"children\": []}}",
     "conf/t.json: listen_port: expected a port number or a \"LOW-HIGH\" string"},
    {"{\"comment\": 5, \"tree\": {\"name\": \"r\", \"children\": []}}",
     "conf/t.json: comment: expected a string"},
    {"{\"tree\": {\"name\": \"r\", \"children\": {}}}",
     "conf/t.json: tree.children: expected an array of child specs"},
    {"{\"tree\": {\"name\": \"r\", \"children\": [5]}}",
     "conf/t.json: tree.children[0]: expected an object (a service or a supervisor)"},
};

START_TEST(test_bad_config)
{
    const struct bad_case *bc = &bad_cases[_i];

    /* Root runs may execute anything: the "not executable" case only holds
     * for ordinary users, so it is checked where it applies. */
    if (strstr(bc->error, "Permission denied") && geteuid() == 0 &&
        access("/etc/passwd", X_OK) == 0)
        return;
    ck_assert_str_eq(error_of(bc->json), bc->error);
}
END_TEST

START_TEST(test_json_syntax_error_gives_line_and_column)
{
    const char *e = error_of("{\"tree\":\n  {\"name\": \"r\",, }}");

    ck_assert_msg(strncmp(e, "conf/t.json:2:", 14) == 0, "got: %s", e);
}
END_TEST

START_TEST(test_duplicate_json_keys_are_rejected)
{
    const char *e = error_of("{\"tree\": {\"name\": \"r\", \"name\": \"s\", \"children\": []}}");

    ck_assert_msg(strstr(e, "duplicate") != NULL, "got: %s", e);
}
END_TEST

START_TEST(test_load_missing_file)
{
    struct sup_config *c = sup_config_load("/nonexistent/sup.json", "/bin", err, sizeof(err));

    ck_assert_ptr_null(c);
    ck_assert_str_eq(err, "/nonexistent/sup.json: No such file or directory");
}
END_TEST

START_TEST(test_load_file)
{
    char path[] = "/tmp/test_config.XXXXXX";
    int fd = mkstemp(path);
    const char *text = "{\"tree\": {\"name\": \"r\", \"children\": [{\"name\": \"x\", \"exec\": "
                       "\"sh\", \"restart\": \"bad\"}]}}";
    struct sup_config *c;
    char want[256];

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    c = sup_config_load(path, "/bin", err, sizeof(err));
    unlink(path);
    ck_assert_ptr_null(c);
    snprintf(want, sizeof(want),
             "%s: tree.children[0].restart: expected one of permanent, transient, temporary",
             path);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_destroy_null)
{
    sup_config_destroy(NULL);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(sup_restart_name(SUP_RESTART_TEMPORARY), "temporary");
    ck_assert_str_eq(sup_strategy_name(SUP_ONE_FOR_ALL), "one_for_all");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("supervisor config");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_full_tree);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_empty_supervisor_is_allowed);
    tcase_add_test(tc, test_bindir_from_file_is_relative_to_the_file);
    tcase_add_test(tc, test_bindir_from_environment);
    tcase_add_test(tc, test_relative_exec_without_bindir);
    tcase_add_loop_test(tc, test_bad_config, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(tc, test_json_syntax_error_gives_line_and_column);
    tcase_add_test(tc, test_duplicate_json_keys_are_rejected);
    tcase_add_test(tc, test_load_missing_file);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_destroy_null);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
