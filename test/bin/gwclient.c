/*
 * gwclient - a raw SLURM-protocol client for the gateway's tests: sends a
 * well-formed, munge-signed request or deliberately broken bytes to a port
 * and prints what comes back, one line per reply frame:
 *
 *   reply type=8001 version=0x2600 rc=0 auth=ok bytes=220
 *   closed                      (the server closed the connection)
 *   timeout                     (nothing more within --timeout)
 *
 * Building a request (signed by munge as the caller):
 *   --type N --version V --body-hex HEX --uid-restrict UID
 *   --corrupt-body      change a body byte after signing (K12 mismatch)
 *   --trailing N        N extra bytes after the body (counted by the length
 *                       prefix, not by the header's body_length)
 *   --length L          put L in the length prefix instead of the truth
 *   --cut N             send only the first N bytes of the frame
 *   --repeat K          send K frames back to back (each with its own
 *                       credential; with --send-file, the same bytes K times)
 *   --save FILE         also write the frame to FILE (to replay it later)
 * Or instead:
 *   --send-file FILE    send FILE's bytes as they are (a saved frame)
 *   --garbage N         send N pseudo-random bytes
 *   --silent            connect and send nothing
 *   --trickle MS        send the frame one byte every MS milliseconds
 *   --capture FILE      listen on --port, write the first frame a client
 *                       sends to FILE, close; print "captured N"
 * Common: --host H (127.0.0.1) --port P --timeout MS (5000)
 * After sending, gwclient shuts down its writing side (it has nothing more
 * to ask), so the gateway closes once it has answered everything; --hold
 * keeps that side open instead, to see what the gateway does on its own.
 *
 * Standing in for a backend service (the gateway's other side):
 *   --serve NAME --rundir DIR   a FLURM service called NAME answering every
 *                       request type of docs/rpc-routing.md; each request is
 *                       printed as one JSON line {"type":..., "body":...}
 *   --reply-file FILE   ... answering with FILE's JSON object as the body
 *   --reply-error CODE  ... answering with an error of that code
 *   --no-reply          ... never answering (a hung backend)
 *   --decode HEXFILE    print a captured frame (hex text, as in
 *                       test/vectors) as the reply body a service would send
 *                       for it: {"msg_type": NAME, "msg": {record JSON}}
 *
 * Exit status: 0 when it could run, 2 for usage or connection errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"
#include "wire/auth.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"

struct opts {
    const char *host;
    int port;
    int timeout_ms;
    uint16_t type;
    uint16_t version;
    const char *body_hex;
    uint32_t restrict_uid;
    int corrupt;
    size_t trailing;
    long long length;
    long long cut;
    int repeat;
    const char *save;
    const char *send_file;
    long long garbage;
    int silent;
    int trickle_ms;
    const char *capture;
    const char *serve;
    const char *rundir;
    const char *reply_file;
    int reply_error;
    int no_reply;
    int hold;
    const char *decode;
};

static void usage(void)
{
    fprintf(stderr, "usage: gwclient --port P [--host H] [--timeout MS] [--type N] [--version V]\n"
                    "  [--body-hex HEX] [--uid-restrict UID] [--corrupt-body] [--trailing N]\n"
                    "  [--length L] [--cut N] [--repeat K] [--save FILE] [--hold] | [--send-file FILE]\n"
                    "  | [--garbage N] | [--silent] | [--trickle MS] | [--capture FILE]\n"
                    "  | --serve NAME [--rundir DIR] [--reply-file FILE | --reply-error CODE |"
                    " --no-reply]\n");
    exit(2);
}

static long long num(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 0);
    if (errno || end == s || *end)
        usage();
    return v;
}

static uint8_t *hex_decode(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out = malloc(n / 2 + 1);

    if (!out || n % 2)
        usage();
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            usage();
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return out;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (!f) {
        perror(path);
        exit(2);
    }
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            if (!(buf = realloc(buf, cap)))
                exit(2);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* Header in the layout of o->version when known, else the 22.05 layout. */
static void pack_header(struct flurm_buf *b, const struct opts *o, uint32_t body_len)
{
    struct flurm_header h = {.version = o->version, .msg_type = o->type, .body_length = body_len};

    if (flurm_header_pack(&h, b) == 0)
        return;
    flurm_pack16(b, o->version);
    flurm_pack16(b, 0);
    flurm_pack16(b, o->type);
    flurm_pack32(b, body_len);
    flurm_pack16(b, 0);
    flurm_pack16(b, 0);
    flurm_pack16(b, 0);
}

static uint8_t *build_frame(const struct opts *o, size_t *len)
{
    struct flurm_auth *auth = flurm_auth_create(NULL);
    struct flurm_buf *b = flurm_buf_create(1024);
    uint8_t *body = NULL;
    size_t body_len = 0, body_at;

    if (!auth || !b)
        exit(2);
    if (o->body_hex)
        body = hex_decode(o->body_hex, &body_len);
    flurm_pack32(b, 0);
    /* Trailing bytes are outside body_length: the frame is longer than
     * the message it announces. */
    pack_header(b, o, (uint32_t)body_len);
    if (flurm_auth_sign(auth, o->version, o->type, body, body_len, o->restrict_uid, b) < 0) {
        fprintf(stderr, "gwclient: munge: %s (%s)\n", strerror(errno),
                flurm_auth_munge_error(auth));
        exit(2);
    }
    body_at = flurm_buf_len(b);
    flurm_pack_raw(b, body, body_len);
    for (size_t i = 0; i < o->trailing; i++)
        flurm_pack8(b, 0x5a);
    flurm_pack32_at(b, 0, o->length >= 0 ? (uint32_t)o->length : (uint32_t)(flurm_buf_len(b) - 4));
    free(body);
    flurm_auth_destroy(auth);
    {
        uint8_t *frame = flurm_buf_steal(b, len);
        if (o->corrupt) {
            if (body_len == 0) {
                fprintf(stderr, "gwclient: --corrupt-body needs a body\n");
                exit(2);
            }
            frame[body_at + body_len - 1] ^= 0x01;
        }
        flurm_buf_destroy(b);
        return frame;
    }
}

static int connect_to(const struct opts *o)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || inet_pton(AF_INET, o->host, &sin.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        fprintf(stderr, "gwclient: connect %s:%d: %s\n", o->host, o->port, strerror(errno));
        exit(2);
    }
    return fd;
}

/* 0, or -1 once the peer is gone. */
static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            printf("send failed: %s\n", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static uint32_t be(const uint8_t *p, int n)
{
    uint32_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A reply in a header layout the wire library does not accept (a version
 * FLURM does not serve): read just the fields a refusal has. */
static void describe_foreign(const uint8_t *msg, size_t len)
{
    size_t at = 4;
    uint16_t version, type;
    uint32_t body_len;

    if (len < 16) {
        printf("reply unreadable bytes=%zu\n", len + 4);
        return;
    }
    version = (uint16_t)be(msg, 2);
    if (version < 0x2600)
        at += 2; /* msg_index */
    type = (uint16_t)be(msg + at, 2);
    body_len = be(msg + at + 2, 4);
    if (type == 8001 && body_len == 4)
        printf("reply type=%u version=0x%04x rc=%d auth=unchecked bytes=%zu\n", type, version,
               (int32_t)be(msg + len - 4, 4), len + 4);
    else
        printf("reply type=%u version=0x%04x auth=unchecked bytes=%zu\n", type, version, len + 4);
}

static void describe_reply(const uint8_t *msg, size_t len)
{
    struct flurm_msg_parts p;
    const char *auth_text = "none";
    char rc_text[32] = "";

    if (flurm_msg_split(&p, msg, len) < 0) {
        describe_foreign(msg, len);
        flurm_msg_parts_free(&p);
        return;
    }
    if (p.auth_plugin == FLURM_AUTH_PLUGIN_MUNGE) {
        struct flurm_auth *auth = flurm_auth_create(NULL);
        struct flurm_auth_result res;
        if (flurm_auth_verify(auth, p.auth, p.auth_len + p.body_len, p.hdr.version,
                              p.hdr.msg_type, &res) == 0)
            auth_text = "ok";
        else
            auth_text = flurm_auth_status_str(res.status);
        flurm_auth_destroy(auth);
    }
    if (p.hdr.msg_type == 8001 && p.body_len == 4)
        snprintf(rc_text, sizeof(rc_text), " rc=%d",
                 (int32_t)((uint32_t)p.body[0] << 24 | (uint32_t)p.body[1] << 16 |
                           (uint32_t)p.body[2] << 8 | p.body[3]));
    printf("reply type=%u version=0x%04x%s auth=%s bytes=%zu\n", p.hdr.msg_type, p.hdr.version,
           rc_text, auth_text, len + 4);
    flurm_msg_parts_free(&p);
}

/* Print every reply frame until the server closes or goes quiet. */
static void read_replies(int fd, int timeout_ms)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(0);

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc == 0) {
            printf("timeout\n");
            break;
        }
        if (rc < 0 && errno == EINTR)
            continue;
        rc = flurm_frame_reader_read(r, fd);
        if (rc == FLURM_FRAME_READY) {
            size_t len;
            uint8_t *msg = flurm_frame_reader_take(r, &len);
            describe_reply(msg, len);
            free(msg);
            continue;
        }
        if (rc == FLURM_FRAME_NEED_MORE)
            continue;
        printf("closed\n");
        break;
    }
    flurm_frame_reader_destroy(r);
}

static int capture(const struct opts *o)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    struct flurm_frame_reader *r = flurm_frame_reader_create(0);
    int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fd, rc;
    uint8_t prefix[4], *msg;
    size_t len;
    FILE *f;

    inet_pton(AF_INET, o->host, &sin.sin_addr);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 8) < 0) {
        fprintf(stderr, "gwclient: listen on %d: %s\n", o->port, strerror(errno));
        return 2;
    }
    printf("listening\n");
    fflush(stdout);
    if ((fd = accept(lfd, NULL, NULL)) < 0)
        return 2;
    do
        rc = flurm_frame_reader_read(r, fd);
    while (rc == FLURM_FRAME_NEED_MORE);
    if (rc != FLURM_FRAME_READY || !(msg = flurm_frame_reader_take(r, &len)))
        return 2;
    flurm_frame_prefix(prefix, (uint32_t)len);
    if (!(f = fopen(o->capture, "wb")) || fwrite(prefix, 1, 4, f) != 4 ||
        fwrite(msg, 1, len, f) != len || fclose(f) != 0)
        return 2;
    printf("captured %zu\n", len + 4);
    free(msg);
    close(fd);
    close(lfd);
    flurm_frame_reader_destroy(r);
    return 0;
}

/* ---- captured frames as service replies ------------------------------------- */

static int decode(const char *path)
{
    size_t hexlen, len = 0;
    uint8_t *hex = read_file(path, &hexlen), *frame = malloc(hexlen / 2 + 1);
    struct flurm_msg_parts p;
    const struct flurm_record *rec;
    enum flurm_msg_type type;
    const char *field = NULL;
    void *obj;
    json_t *out;
    int hi = -1;

    for (size_t i = 0; i < hexlen; i++) {
        int c = hex[i], v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            frame[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (len < 4 || flurm_msg_split(&p, frame + 4, len - 4) < 0 ||
        flurm_msg_from_wire(p.hdr.version, p.hdr.msg_type, &type) < 0 ||
        !(obj = flurm_msg_body_decode(p.hdr.version, type, p.body, p.body_len, &rec, &field))) {
        fprintf(stderr, "gwclient: %s: cannot decode (%s)\n", path, field ? field : strerror(errno));
        return 2;
    }
    out = json_pack("{s:s, s:o}", "msg_type", flurm_msg_name(p.hdr.msg_type), "msg",
                    flurm_record_to_json(rec, obj));
    json_dumpf(out, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(out);
    flurm_msg_body_destroy(rec, obj);
    flurm_msg_parts_free(&p);
    free(frame);
    free(hex);
    return 0;
}

/* ---- standing in for a backend -------------------------------------------- */

struct fake {
    json_t *reply;  /* the body to answer with, or NULL */
    int error;      /* or an error code */
    int no_reply;
    int hold;
    const char *decode;
};

static void fake_handle(struct flurm_request *req, void *arg)
{
    struct fake *f = arg;
    json_t *line = json_pack("{s:s, s:O}", "type", flurm_request_type(req), "body",
                             flurm_request_body(req));

    if (line) {
        json_dumpf(line, stdout, JSON_COMPACT | JSON_SORT_KEYS);
        putchar('\n');
        fflush(stdout);
        json_decref(line);
    }
    if (f->no_reply) {
        flurm_request_defer(req); /* and never answer */
        return;
    }
    if (f->error) {
        flurm_request_reply_error(req, f->error, "error %d as asked", f->error);
        return;
    }
    flurm_request_reply(req, f->reply ? json_incref(f->reply) : NULL);
}

/* Every internal type of the routing table.  ("service.stats" cannot be
 * served from a handler table: the runtime keeps "service.*" types.) */
static const struct flurm_handler fake_handlers[] = {
    {"job.submit", fake_handle},     {"job.info", fake_handle},
    {"job.info_single", fake_handle}, {"job.user_info", fake_handle},
    {"job.kill", fake_handle},       {"job.update", fake_handle},
    {"node.info", fake_handle},      {"partition.info", fake_handle},
    {"node.update", fake_handle},    {"priority.factors", fake_handle},
    {"share.info", fake_handle},
    {NULL, NULL},
};

static int serve(const struct opts *o)
{
    struct fake f = {.error = o->reply_error, .no_reply = o->no_reply};
    struct flurm_loop *loop;
    struct flurm_service *svc;
    json_error_t jerr;
    int rc;

    flurm_log_init(o->serve);
    if (o->reply_file && !(f.reply = json_load_file(o->reply_file, 0, &jerr))) {
        fprintf(stderr, "gwclient: %s: %s\n", o->reply_file, jerr.text);
        return 2;
    }
    if (!(loop = flurm_loop_create()) ||
        !(svc = flurm_service_create(loop, o->serve, "fake-1", fake_handlers, &f)) ||
        (o->rundir && flurm_service_set_rundir(svc, o->rundir) < 0) ||
        flurm_service_start(svc) < 0) {
        fprintf(stderr, "gwclient: cannot serve %s: %s\n", o->serve, strerror(errno));
        return 2;
    }
    /* Deferred requests are never answered: do not wait for them. */
    if (f.no_reply)
        flurm_service_set_drain_timeout(svc, 0.1);
    rc = flurm_service_run(svc);
    flurm_service_destroy(svc);
    flurm_loop_destroy(loop);
    json_decref(f.reply);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"host", required_argument, NULL, 'H'},     {"port", required_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 'T'},  {"type", required_argument, NULL, 't'},
        {"version", required_argument, NULL, 'v'},  {"body-hex", required_argument, NULL, 'b'},
        {"uid-restrict", required_argument, NULL, 'u'},
        {"corrupt-body", no_argument, NULL, 'C'},   {"trailing", required_argument, NULL, 'x'},
        {"length", required_argument, NULL, 'L'},   {"cut", required_argument, NULL, 'c'},
        {"repeat", required_argument, NULL, 'r'},   {"save", required_argument, NULL, 's'},
        {"send-file", required_argument, NULL, 'f'},
        {"garbage", required_argument, NULL, 'g'},  {"silent", no_argument, NULL, 'S'},
        {"trickle", required_argument, NULL, 'k'},  {"capture", required_argument, NULL, 'P'},
        {"serve", required_argument, NULL, 'V'},    {"rundir", required_argument, NULL, 'R'},
        {"reply-file", required_argument, NULL, 'F'},
        {"reply-error", required_argument, NULL, 'E'},
        {"no-reply", no_argument, NULL, 'N'},       {"hold", no_argument, NULL, 'h'},
        {"decode", required_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {.host = "127.0.0.1", .timeout_ms = 5000, .type = 1008, .version = 0x2600,
                     .restrict_uid = FLURM_AUTH_UID_ANY, .length = -1, .cut = -1, .repeat = 1,
                     .garbage = -1};
    uint8_t *frame = NULL;
    size_t len = 0;
    int opt, fd;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'H': o.host = optarg; break;
        case 'p': o.port = (int)num(optarg); break;
        case 'T': o.timeout_ms = (int)num(optarg); break;
        case 't': o.type = (uint16_t)num(optarg); break;
        case 'v': o.version = (uint16_t)num(optarg); break;
        case 'b': o.body_hex = optarg; break;
        case 'u': o.restrict_uid = (uint32_t)num(optarg); break;
        case 'C': o.corrupt = 1; break;
        case 'x': o.trailing = (size_t)num(optarg); break;
        case 'L': o.length = num(optarg); break;
        case 'c': o.cut = num(optarg); break;
        case 'r': o.repeat = (int)num(optarg); break;
        case 's': o.save = optarg; break;
        case 'f': o.send_file = optarg; break;
        case 'g': o.garbage = num(optarg); break;
        case 'S': o.silent = 1; break;
        case 'k': o.trickle_ms = (int)num(optarg); break;
        case 'P': o.capture = optarg; break;
        case 'V': o.serve = optarg; break;
        case 'R': o.rundir = optarg; break;
        case 'F': o.reply_file = optarg; break;
        case 'E': o.reply_error = (int)num(optarg); break;
        case 'N': o.no_reply = 1; break;
        case 'h': o.hold = 1; break;
        case 'D': o.decode = optarg; break;
        default: usage();
        }
    }
    if (optind != argc)
        usage();
    if (o.serve)
        return serve(&o);
    if (o.decode)
        return decode(o.decode);
    if (o.port <= 0)
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.capture)
        return capture(&o);

    if (o.send_file) {
        frame = read_file(o.send_file, &len);
    } else if (o.garbage >= 0) {
        srand((unsigned)time(NULL));
        len = (size_t)o.garbage;
        frame = malloc(len + 1);
        for (size_t i = 0; i < len; i++)
            frame[i] = (uint8_t)rand();
    } else if (!o.silent) {
        frame = build_frame(&o, &len);
    }
    if (o.save && frame) {
        FILE *f = fopen(o.save, "wb");
        if (!f || fwrite(frame, 1, len, f) != len || fclose(f) != 0) {
            perror(o.save);
            return 2;
        }
    }
    fd = connect_to(&o);
    if (frame && o.cut >= 0 && (size_t)o.cut < len)
        len = (size_t)o.cut;
    for (int i = 0; frame && i < o.repeat; i++) {
        if (i > 0 && !o.send_file && o.garbage < 0) {
            free(frame);
            frame = build_frame(&o, &len);
            if (o.cut >= 0 && (size_t)o.cut < len)
                len = (size_t)o.cut;
        }
        if (o.trickle_ms > 0) {
            int gone = 0;
            for (size_t j = 0; j < len && !gone; j++) {
                struct timespec ts = {.tv_sec = o.trickle_ms / 1000,
                                      .tv_nsec = (long)(o.trickle_ms % 1000) * 1000000L};
                gone = send_all(fd, frame + j, 1) < 0;
                nanosleep(&ts, NULL);
            }
            if (gone)
                break;
        } else if (send_all(fd, frame, len) < 0) {
            break;
        }
    }
    if (!o.hold && !o.silent)
        shutdown(fd, SHUT_WR);
    read_replies(fd, o.timeout_ms);
    close(fd);
    free(frame);
    return 0;
}
