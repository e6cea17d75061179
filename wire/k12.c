/*
 * k12.c - KangarooTwelve and TurboSHAKE128 (RFC 9861).
 *
 * Layers, bottom up: the Keccak-p[1600, 12] permutation; a sponge with a
 * 168-byte rate (TurboSHAKE128); and the K12 tree: the input string
 * S = M || C || length_encode(|C|) is cut into 8192-byte chunks, chunk 0
 * goes straight into the final node, every later chunk is hashed by its
 * own leaf sponge to a 32-byte chaining value that the final node absorbs.
 * Input is fed piecewise (M, then C, then the length encoding) so that
 * chunks may straddle those pieces without copying S.
 */
#include "wire/k12.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#define RATE 168          /* bytes: 1600-bit state minus 256-bit capacity */
#define RATE_LANES (RATE / 8)
#define CHUNK 8192
#define CV_LEN 32

/* Domain separation bytes of RFC 9861 section 3.2. */
#define DOMAIN_SINGLE_NODE 0x07
#define DOMAIN_LEAF 0x0B
#define DOMAIN_FINAL_NODE 0x06

/* Iota constants of rounds 12..23: Keccak-p[1600, 12] is the last twelve
 * rounds of Keccak-f[1600]. */
static const uint64_t round_constants[12] = {
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Lanes are indexed x + 5y.  rho_offset[i] is lane i's rotation; pi moves
 * lane (x, y) to (y, 2x + 3y), i.e. index i to pi_dest[i]. */
static const unsigned rho_offset[25] = {
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
    25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};
static const unsigned pi_dest[25] = {
    0, 10, 20, 5, 15, 16, 1, 11, 21, 6, 7, 17, 2,
    12, 22, 23, 8, 18, 3, 13, 14, 24, 9, 19, 4,
};

struct sponge {
    uint64_t lane[25];
    size_t pos; /* bytes of the current block absorbed or squeezed */
};

/* The K12 tree in progress. */
struct k12_tree {
    struct sponge final_node;
    struct sponge leaf;
    size_t chunk_fill; /* bytes of S in the current chunk */
    uint64_t chunks;   /* chunks begun, >= 1 */
};

static inline uint64_t rotl64(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

static void keccak_p1600_12(uint64_t a[25])
{
    for (int round = 0; round < 12; round++) {
        uint64_t c[5], d[5], b[25];

#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            b[pi_dest[i]] = rotl64(a[i] ^ d[i % 5], rho_offset[i]);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++) {
            int row = i - i % 5;
            a[i] = b[i] ^ (~b[row + (i + 1) % 5] & b[row + (i + 2) % 5]);
        }
        a[0] ^= round_constants[round];
    }
}

static void sponge_init(struct sponge *s)
{
    memset(s, 0, sizeof(*s));
}

static inline void sponge_xor_byte(struct sponge *s, size_t at, uint8_t v)
{
    s->lane[at / 8] ^= (uint64_t)v << (8 * (at % 8));
}

static void sponge_absorb(struct sponge *s, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (s->pos == 0) {
            /* Whole blocks go lane by lane: the hot path of large bodies. */
            while (n >= RATE) {
                for (int i = 0; i < RATE_LANES; i++) {
                    uint64_t v;
                    memcpy(&v, p + 8 * i, 8);
                    s->lane[i] ^= le64toh(v);
                }
                keccak_p1600_12(s->lane);
                p += RATE;
                n -= RATE;
            }
            if (n == 0)
                break;
        }
        size_t take = RATE - s->pos < n ? RATE - s->pos : n;
        for (size_t i = 0; i < take; i++)
            sponge_xor_byte(s, s->pos + i, p[i]);
        s->pos += take;
        p += take;
        n -= take;
        if (s->pos == RATE) {
            keccak_p1600_12(s->lane);
            s->pos = 0;
        }
    }
}

/* Pad with the domain byte and the final 0x80 bit, then switch to
 * squeezing from the start of the block. */
static void sponge_pad(struct sponge *s, uint8_t domain)
{
    sponge_xor_byte(s, s->pos, domain);
    sponge_xor_byte(s, RATE - 1, 0x80);
    keccak_p1600_12(s->lane);
    s->pos = 0;
}

static void sponge_squeeze(struct sponge *s, uint8_t *out, size_t n)
{
    while (n > 0) {
        if (s->pos == RATE) {
            keccak_p1600_12(s->lane);
            s->pos = 0;
        }
        size_t take = RATE - s->pos < n ? RATE - s->pos : n;
        for (size_t i = 0; i < take; i++) {
            size_t at = s->pos + i;
            out[i] = (uint8_t)(s->lane[at / 8] >> (8 * (at % 8)));
        }
        s->pos += take;
        out += take;
        n -= take;
    }
}

/* RFC 9861 length_encode(x): x in big-endian without leading zero bytes,
 * then the number of those bytes.  Returns the encoding's length. */
static size_t length_encode(uint64_t x, uint8_t out[9])
{
    size_t n = 0;
    for (uint64_t t = x; t > 0; t >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
    out[n] = (uint8_t)n;
    return n + 1;
}

static void tree_init(struct k12_tree *t)
{
    sponge_init(&t->final_node);
    sponge_init(&t->leaf);
    t->chunk_fill = 0;
    t->chunks = 1;
}

static void tree_close_leaf(struct k12_tree *t)
{
    uint8_t cv[CV_LEN];

    sponge_pad(&t->leaf, DOMAIN_LEAF);
    sponge_squeeze(&t->leaf, cv, sizeof(cv));
    sponge_absorb(&t->final_node, cv, sizeof(cv));
}

/* Feed the next piece of S.  A chunk is only closed when more input
 * arrives, so that at the end we still know whether S fit in one chunk. */
static void tree_feed(struct k12_tree *t, const uint8_t *p, size_t n)
{
    static const uint8_t first_chunk_trailer[8] = {0x03};

    while (n > 0) {
        if (t->chunk_fill == CHUNK) {
            if (t->chunks == 1)
                sponge_absorb(&t->final_node, first_chunk_trailer,
                              sizeof(first_chunk_trailer));
            else
                tree_close_leaf(t);
            sponge_init(&t->leaf);
            t->chunks++;
            t->chunk_fill = 0;
        }
        size_t take = CHUNK - t->chunk_fill < n ? CHUNK - t->chunk_fill : n;
        sponge_absorb(t->chunks == 1 ? &t->final_node : &t->leaf, p, take);
        t->chunk_fill += take;
        p += take;
        n -= take;
    }
}

static void tree_finish(struct k12_tree *t, uint8_t *out, size_t out_len)
{
    static const uint8_t final_trailer[2] = {0xff, 0xff};
    uint8_t enc[9];

    if (t->chunks == 1) {
        sponge_pad(&t->final_node, DOMAIN_SINGLE_NODE);
    } else {
        tree_close_leaf(t);
        sponge_absorb(&t->final_node, enc, length_encode(t->chunks - 1, enc));
        sponge_absorb(&t->final_node, final_trailer, sizeof(final_trailer));
        sponge_pad(&t->final_node, DOMAIN_FINAL_NODE);
    }
    sponge_squeeze(&t->final_node, out, out_len);
}

int flurm_k12(const void *msg, size_t msg_len, const void *custom,
              size_t custom_len, void *out, size_t out_len)
{
    struct k12_tree tree;
    uint8_t enc[9];

    if ((!msg && msg_len) || (!custom && custom_len) || (!out && out_len)) {
        errno = EINVAL;
        return -1;
    }
    tree_init(&tree);
    if (msg_len)
        tree_feed(&tree, msg, msg_len);
    if (custom_len)
        tree_feed(&tree, custom, custom_len);
    tree_feed(&tree, enc, length_encode(custom_len, enc));
    if (out_len)
        tree_finish(&tree, out, out_len);
    return 0;
}

int flurm_turboshake128(const void *msg, size_t msg_len, uint8_t domain,
                        void *out, size_t out_len)
{
    struct sponge s;

    if (domain < 0x01 || domain > 0x7f || (!msg && msg_len)
        || (!out && out_len)) {
        errno = EINVAL;
        return -1;
    }
    sponge_init(&s);
    if (msg_len)
        sponge_absorb(&s, msg, msg_len);
    sponge_pad(&s, domain);
    if (out_len)
        sponge_squeeze(&s, out, out_len);
    return 0;
}
