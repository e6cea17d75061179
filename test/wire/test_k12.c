/*
 * test_k12.c - KangarooTwelve and TurboSHAKE128 against RFC 9861 section 5,
 * and against the body hashes that real SLURM 22.05 put in its munge
 * payloads.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test/wire/capture.h"
#include "wire/k12.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

/* RFC 9861 ptn(n): n bytes of the repeating pattern 00 01 .. FA. */
static uint8_t *ptn(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

static uint8_t *ff_bytes(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    memset(p, 0xff, n);
    return p;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

/* K12(msg, custom) must start with / equal the hex string want. */
static void assert_k12(const uint8_t *msg, size_t msg_len, const uint8_t *custom,
                       size_t custom_len, size_t out_len, size_t check_from,
                       const char *want)
{
    uint8_t *out = malloc(out_len);
    char hex[2 * 64 + 1];
    size_t check_len = strlen(want) / 2;

    ck_assert_ptr_nonnull(out);
    ck_assert_uint_le(check_len, 64);
    ck_assert_int_eq(flurm_k12(msg, msg_len, custom, custom_len, out, out_len), 0);
    to_hex(out + check_from, check_len, hex);
    ck_assert_str_eq(hex, want);
    free(out);
}

static void assert_k12_ptn(size_t n, const char *want)
{
    uint8_t *m = ptn(n);
    assert_k12(m, n, NULL, 0, 32, 0, want);
    free(m);
}

START_TEST(k12_empty_message_32_bytes)
{
    assert_k12(NULL, 0, NULL, 0, 32, 0,
               "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5");
}
END_TEST

START_TEST(k12_empty_message_64_bytes)
{
    assert_k12(NULL, 0, NULL, 0, 64, 0,
               "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5"
               "4269c056b8c82e48276038b6d292966cc07a3d4645272e31ff38508139eb0a71");
}
END_TEST

START_TEST(k12_last_32_of_10032_byte_output)
{
    assert_k12(NULL, 0, NULL, 0, 10032, 10000,
               "e8dc563642f7228c84684c898405d3a834799158c079b12880277a1d28e2ff6d");
}
END_TEST

START_TEST(k12_pattern_messages_17_pow_i)
{
    assert_k12_ptn(1, "2bda92450e8b147f8a7cb629e784a058efca7cf7d8218e02d345dfaa65244a1f");
    assert_k12_ptn(17, "6bf75fa2239198db4772e36478f8e19b0f371205f6a9a93a273f51df37122888");
    assert_k12_ptn(289, "0c315ebcdedbf61426de7dcf8fb725d1e74675d7f5327a5067f367b108ecb67c");
    assert_k12_ptn(4913, "cb552e2ec77d9910701d578b457ddf772c12e322e4ee7fe417f92c758f0d59d0");
    /* From here on S is longer than one 8192-byte chunk: tree hashing. */
    assert_k12_ptn(83521, "8701045e22205345ff4dda05555cbb5c3af1a771c2b89baef37db43d9998b9fe");
    assert_k12_ptn(1419857, "844d610933b1b9963cbdeb5ae3b6b05cc7cbd67ceedf883eb678a0a8e0371682");
    assert_k12_ptn(24137569, "3c390782a8a4e89fa6367f72feaaf13255c8d95878481d3cd8ce85f58e880af8");
}
END_TEST

START_TEST(k12_with_customization_strings)
{
    static const struct {
        size_t ff_len, custom_len;
        const char *want;
    } v[] = {
        {0, 1, "fab658db63e94a246188bf7af69a133045f46ee984c56e3c3328caaf1aa1a583"},
        {1, 41, "d848c5068ced736f4462159b9867fd4c20b808acc3d5bc48e0b06ba0a3762ec4"},
        {3, 41 * 41, "c389e5009ae57120854c2e8c64670ac01358cf4c1baf89447a724234dc7ced74"},
        {7, 41 * 41 * 41,
         "75d2f86a2e644566726b4fbcfc5657b9dbcf070c7b0dca06450ab291d7443bcf"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t *m = ff_bytes(v[i].ff_len), *c = ptn(v[i].custom_len);
        assert_k12(v[i].ff_len ? m : NULL, v[i].ff_len, c, v[i].custom_len, 32, 0,
                   v[i].want);
        free(m);
        free(c);
    }
}
END_TEST

START_TEST(k12_chunk_boundaries)
{
    uint8_t *m = ptn(8192), *c8189 = ptn(8189), *c8190 = ptn(8190);

    /* S = M || 0x00: 8192 bytes is one chunk, 8193 two. */
    assert_k12(m, 8191, NULL, 0, 32, 0,
               "1b577636f723643e990cc7d6a659837436fd6a103626600eb8301cd1dbe553d6");
    assert_k12(m, 8192, NULL, 0, 32, 0,
               "48f256f6772f9edfb6a8b661ec92dc93b95ebd05a08a17b39ae3490870c926c3");
    /* The second chunk starts inside C and inside its length encoding. */
    assert_k12(m, 8192, c8189, 8189, 32, 0,
               "3ed12f70fb05ddb58689510ab3e4d23c6c6033849aa01e1d8c220a297fedcd0b");
    assert_k12(m, 8192, c8190, 8190, 32, 0,
               "6a7c1b6a5cd0d8c9ca943a4a216cc64604559a2ea45f78570a15253d67ba00ae");
    free(m);
    free(c8189);
    free(c8190);
}
END_TEST

START_TEST(turboshake128_rfc_vectors)
{
    static const struct {
        size_t ptn_len;
        const char *want;
    } v[] = {
        {0, "1e415f1c5983aff2169217277d17bb538cd945a397ddec541f1ce41af2c1b74c"},
        {1, "55cedd6f60af7bb29a4042ae832ef3f58db7299f893ebb9247247d856958daa9"},
        {17, "9c97d036a3bac819db70ede0ca554ec6e4c2a1a4ffbfd9ec269ca6a111161233"},
        {289, "96c77c279e0126f7fc07c9b07f5cdae1e0be60bdbe10620040e75d7223a624d2"},
        {4913, "d4976eb56bcf118520582b709f73e1d6853e001fdaf80e1b13e0d0599d5fb372"},
        {83521, "da67c7039e98bf530cf7a37830c6664e14cbab7f540f58403b1b82951318ee5c"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t *m = ptn(v[i].ptn_len), out[32];
        char hex[65];
        ck_assert_int_eq(flurm_turboshake128(v[i].ptn_len ? m : NULL, v[i].ptn_len,
                                             0x1f, out, sizeof(out)),
                         0);
        to_hex(out, sizeof(out), hex);
        ck_assert_str_eq(hex, v[i].want);
        free(m);
    }
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    uint8_t out[32];

    errno = 0;
    ck_assert_int_eq(flurm_k12(NULL, 1, NULL, 0, out, 32), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(flurm_k12(out, 1, NULL, 5, out, 32), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(flurm_k12(out, 1, NULL, 0, NULL, 32), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(flurm_turboshake128(out, 1, 0x00, out, 32), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(flurm_turboshake128(out, 1, 0x80, out, 32), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/*
 * SLURM's body hash of captured frames.  The expected payloads are the
 * ones real SLURM 22.05.8 put in the munge credentials, as printed by
 * unmunge right after each capture (../shared/slurm-22.05-captures/<cmd>/
 * summary.md, "PAYLOAD (33 bytes, hex)"); the pure-Python RFC 9861
 * reference (../shared/docs/slurm-wire-tools/k12.py) gives the same.
 */
static const struct {
    const char *file;
    const char *payload;
} captured[] = {
    {"scontrol_ping/001-c2s-REQUEST_PING.hex",
     "025d5247bbb9ae435b2674a601f4a615de08d36c074c352457612d21db790784f9"},
    {"scontrol_ping/002-s2c-RESPONSE_SLURM_RC.hex",
     "02e4131db9673e46adbeeb1d46262f892bfca0cfd193730a3b9ab72758a8c48411"},
    {"squeue/001-c2s-REQUEST_JOB_INFO.hex",
     "029775dc2844316d4ba1a484a492100edf21e2a68c655c5e874a760ca3ecad4151"},
    {"squeue/002-s2c-RESPONSE_JOB_INFO.hex",
     "02fa4ad87abe227542c409a9b8d63e9d1c582edca113b80c11980d8f45930ef7f2"},
    {"scontrol_show_config/002-s2c-RESPONSE_BUILD_INFO.hex",
     "020dd4cbd93426e6d3d7ab1c4c1685af4b3377b7c3fb20fe9e38e74d725a12518f"},
    {"sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex",
     "02ce7fac14bfe65d62ddd918d957ac739a56f88c5c0eec059f0f1f2e5fabdf00b0"},
    {"salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex",
     "024750ce6da9009280e4594a602d2e356e266498aef6bd222a26a478c3336bd44f"},
    {"slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex",
     "024f42c9cde8b2f33fb975e75d026b6107ef4e3dbba9d768b82322c4db0169c61d"},
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(slurm_body_hash_of_captured_frames)
{
    for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
        size_t len = 0;
        uint8_t *frame = capture_load(captured[i].file, &len);
        ck_assert_msg(frame != NULL, "cannot load %s", captured[i].file);
        /* u32 length | 16-byte header | u32 plugin | packstr cred | body */
        ck_assert_uint_ge(len, 4 + 16 + 8);
        uint16_t msg_type = (uint16_t)(frame[8] << 8 | frame[9]);
        uint32_t body_len = be32(frame + 10);
        size_t cred_off = 4 + 16 + 4;
        size_t body_off = cred_off + 4 + be32(frame + cred_off);
        ck_assert_uint_eq(len - body_off, body_len);

        uint8_t custom[2] = {(uint8_t)(msg_type >> 8), (uint8_t)msg_type};
        uint8_t payload[1 + FLURM_K12_SLURM_LEN] = {0x02};
        char hex[2 * sizeof(payload) + 1];
        ck_assert_int_eq(flurm_k12(frame + body_off, body_len, custom, 2, payload + 1,
                                   FLURM_K12_SLURM_LEN),
                         0);
        to_hex(payload, sizeof(payload), hex);
        ck_assert_msg(strcmp(hex, captured[i].payload) == 0, "%s: %s != %s",
                      captured[i].file, hex, captured[i].payload);
        free(frame);
    }
}
END_TEST

/* The Python reference lives in the shared folder beside the repository;
 * it is absent on some machines, and then this check says so and passes. */
static const char *find_python_reference(void)
{
    static const char *const candidates[] = {
        "../shared/docs/slurm-wire-tools/k12.py",
        "/work/shared/docs/slurm-wire-tools/k12.py",
    };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (access(candidates[i], R_OK) == 0)
            return candidates[i];
    return NULL;
}

START_TEST(matches_python_reference_on_a_multi_chunk_body)
{
    const char *ref = find_python_reference();
    char dir[] = "/tmp/flurm-k12-XXXXXX", path[64], cmd[512], got[80] = "";
    uint8_t *body, out[32];
    size_t n = 3 * 8192 + 77;
    const uint8_t custom[2] = {0x07, 0xd4}; /* 2004 = RESPONSE_JOB_INFO */
    FILE *f;
    char hex[65];

    if (!ref || system("python3 -c '' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_k12: python3 or k12.py missing, reference check skipped\n");
        return;
    }
    body = malloc(n);
    ck_assert_ptr_nonnull(body);
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)((i * 7919u) >> 3);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/body", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    ck_assert_uint_eq(fwrite(body, 1, n, f), n);
    fclose(f);

    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); "
             "from k12 import k12; "
             "print(k12(open(sys.argv[2], \"rb\").read(), bytes([7, 0xd4]), 32).hex())'"
             " \"$(dirname '%s')\" '%s'",
             ref, path);
    ck_assert_ptr_nonnull(f = popen(cmd, "r"));
    ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
    ck_assert_int_eq(pclose(f), 0);
    got[strcspn(got, "\n")] = '\0';

    ck_assert_int_eq(flurm_k12(body, n, custom, 2, out, 32), 0);
    to_hex(out, 32, hex);
    ck_assert_str_eq(hex, got);
    unlink(path);
    rmdir(dir);
    free(body);
}
END_TEST

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Every message body is hashed on both send and receive, so a 1 MiB body
 * must cost well under 10 ms (best of five, to ignore a busy machine). */
START_TEST(one_mebibyte_hashes_in_under_10_ms)
{
    size_t n = 1 << 20;
    uint8_t *body = ptn(n), out[32];
    double best = 1e9;

    for (int r = 0; r < 5; r++) {
        double t0 = now_ms();
        ck_assert_int_eq(flurm_k12(body, n, "\x07\xd4", 2, out, 32), 0);
        double dt = now_ms() - t0;
        if (dt < best)
            best = dt;
    }
    fprintf(stderr, "test_k12: K12 of 1 MiB: %.2f ms (best of 5)%s\n", best,
            UNDER_SANITIZER ? ", sanitizer build: not judged" : "");
    if (!UNDER_SANITIZER)
        ck_assert_msg(best < 10.0, "K12 of 1 MiB took %.2f ms", best);
    free(body);
}
END_TEST

static Suite *k12_suite(void)
{
    Suite *s = suite_create("k12");
    TCase *rfc = tcase_create("rfc9861");
    TCase *slurm = tcase_create("slurm");

    tcase_set_timeout(rfc, 120);
    tcase_add_test(rfc, k12_empty_message_32_bytes);
    tcase_add_test(rfc, k12_empty_message_64_bytes);
    tcase_add_test(rfc, k12_last_32_of_10032_byte_output);
    tcase_add_test(rfc, k12_pattern_messages_17_pow_i);
    tcase_add_test(rfc, k12_with_customization_strings);
    tcase_add_test(rfc, k12_chunk_boundaries);
    tcase_add_test(rfc, turboshake128_rfc_vectors);
    tcase_add_test(rfc, bad_arguments_are_refused);
    suite_add_tcase(s, rfc);

    tcase_set_timeout(slurm, 120);
    tcase_add_test(slurm, slurm_body_hash_of_captured_frames);
    tcase_add_test(slurm, matches_python_reference_on_a_multi_chunk_body);
    tcase_add_test(slurm, one_mebibyte_hashes_in_under_10_ms);
    suite_add_tcase(s, slurm);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(k12_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
