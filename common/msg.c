/*
 * msg.c - encoding and validating decoding of the internal message envelope
 * (see msg.h and docs/messages.md).
 *
 * The version is checked before anything else, so that a peer speaking
 * another version gets "unsupported version" rather than a confusing
 * complaint about a field whose meaning changed. *
 * A reply may end in an attachment: raw bytes after the JSON text and a
 * NUL.  JSON text never holds a raw NUL (jansson escapes it), so the first
 * NUL is where the JSON ends; "att" in the envelope says how many bytes
 * follow, so a truncated or padded message is refused, not misread.
 */
#include "common/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct flurm_msg {
    enum flurm_msg_kind kind;
    json_t *root;
    json_t *body;
    const char *type;
    const char *req_id;
    const char *trace;
    const char *src;
    uint64_t seq;
    int ok;
    int error_code;
    const char *error_text;
    void *att; /* the reply's attachment (a copy), NULL if none */
    size_t att_len;
};

int flurm_msg_type_valid(const char *type)
{
    size_t n;

    if (!type || !*type)
        return 0;
    for (n = 0; type[n]; n++) {
        char c = type[n];
        if (n >= FLURM_MSG_TYPE_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Serialize root (taken) compactly, optionally after a prefix line. */
static char *dump_taken(json_t *root, const char *topic, size_t *len)
{
    char *json = NULL;
    char *out = NULL;
    size_t json_len;
    size_t topic_len = topic ? strlen(topic) + 1 : 0;

    if (!root) {
        errno = ENOMEM;
        goto error;
    }
    if (!(json = json_dumps(root, JSON_COMPACT))) {
        errno = ENOMEM;
        goto error;
    }
    json_len = strlen(json);
    if (!(out = malloc(topic_len + json_len + 1)))
        goto error;
    if (topic) {
        memcpy(out, topic, topic_len - 1);
        out[topic_len - 1] = '\n';
    }
    memcpy(out + topic_len, json, json_len + 1);
    *len = topic_len + json_len;
    free(json);
    json_decref(root);
    return out;
error:
    free(json);
    json_decref(root);
    return NULL;
}

/* A body to embed: the caller's (a new reference) or an empty object. */
static json_t *body_ref(const json_t *body)
{
    return body ? json_incref((json_t *)body) : json_object();
}

char *flurm_msg_encode_request(const char *type, const char *req_id, const char *trace,
                               const json_t *body, size_t *len)
{
    json_t *root;

    if (!flurm_msg_type_valid(type)) {
        errno = EINVAL;
        return NULL;
    }
    root = json_pack("{s:i, s:s, s:o}", "v", FLURM_MSG_VERSION, "type", type, "body",
                     body_ref(body));
    if (root && req_id && json_object_set_new(root, "req_id", json_string(req_id)) < 0) {
        json_decref(root);
        root = NULL;
    }
    if (root && trace && json_object_set_new(root, "trace", json_string(trace)) < 0) {
        json_decref(root);
        root = NULL;
    }
    return dump_taken(root, NULL, len);
}

char *flurm_msg_encode_reply_attached(const json_t *body, const void *att, size_t att_len,
                                      size_t *len)
{
    json_t *root;
    char *json = NULL, *out = NULL;
    size_t json_len;

    if (!att && att_len) {
        errno = EINVAL;
        return NULL;
    }
    if (!(root = json_pack("{s:i, s:b, s:I, s:o}", "v", FLURM_MSG_VERSION, "ok", 1, "att",
                           (json_int_t)att_len, "body", body_ref(body))) ||
        !(json = json_dumps(root, JSON_COMPACT))) {
        errno = ENOMEM;
        goto out;
    }
    json_len = strlen(json);
    if (!(out = malloc(json_len + 1 + att_len)))
        goto out;
    memcpy(out, json, json_len + 1); /* the NUL is the separator */
    if (att_len)
        memcpy(out + json_len + 1, att, att_len);
    *len = json_len + 1 + att_len;
out:
    free(json);
    json_decref(root);
    return out;
}

int flurm_msg_body_attach(json_t *body, const void *data, size_t len)
{
    json_t *bytes;

    if (!json_is_object(body) || (!data && len)) {
        errno = EINVAL;
        return -1;
    }
    /* A jansson string may hold any bytes when it is not checked as UTF-8;
     * it is never dumped as JSON (the encoder takes it out). */
    if (!(bytes = json_stringn_nocheck(len ? data : "", len)) ||
        json_object_set_new(body, FLURM_MSG_ATTACH_KEY, bytes) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

char *flurm_msg_encode_reply(const json_t *body, size_t *len)
{
    json_t *att = body ? json_object_get(body, FLURM_MSG_ATTACH_KEY) : NULL;
    json_t *rest;
    char *out;

    if (!json_is_string(att))
        return dump_taken(json_pack("{s:i, s:b, s:o}", "v", FLURM_MSG_VERSION, "ok", 1, "body",
                                    body_ref(body)),
                          NULL, len);
    /* The caller's body stays as it was: a shallow copy loses the bytes. */
    if (!(rest = json_copy((json_t *)body)) || json_object_del(rest, FLURM_MSG_ATTACH_KEY) < 0) {
        json_decref(rest);
        errno = ENOMEM;
        return NULL;
    }
    out = flurm_msg_encode_reply_attached(rest, json_string_value(att), json_string_length(att),
                                          len);
    json_decref(rest);
    return out;
}

char *flurm_msg_encode_error(int code, const char *text, size_t *len)
{
    return dump_taken(json_pack("{s:i, s:b, s:{s:i, s:s}}", "v", FLURM_MSG_VERSION, "ok", 0,
                                "error", "code", code, "text", text ? text : ""),
                      NULL, len);
}

char *flurm_msg_encode_event(const char *type, const char *src, uint64_t seq,
                             const json_t *body, size_t *len)
{
    if (!flurm_msg_type_valid(type) || !src) {
        errno = EINVAL;
        return NULL;
    }
    /* The trace rides along implicitly so that no publisher has to pass it:
     * an event published while handling a request belongs to its trace. */
    return dump_taken(json_pack("{s:i, s:s, s:s, s:I, s:s?, s:o}", "v", FLURM_MSG_VERSION,
                                "type", type, "src", src, "seq", (json_int_t)seq, "trace",
                                flurm_trace_current(), "body", body_ref(body)),
                      type, len);
}

static void set_error(struct flurm_msg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct flurm_msg_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

/* Optional string member: absent or null reads as NULL; anything else but
 * a string is an error (-1). */
static int optional_string(json_t *root, const char *key, const char **out)
{
    json_t *v = json_object_get(root, key);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

/* The body member: absent reads as {} (stored in the message), otherwise it
 * must be an object. */
static int take_body(struct flurm_msg *msg)
{
    json_t *v = json_object_get(msg->root, "body");

    if (!v) {
        if (!(v = json_object()) || json_object_set_new(msg->root, "body", v) < 0)
            return -1;
    }
    if (!json_is_object(v))
        return -1;
    msg->body = v;
    return 0;
}

static int decode_request(struct flurm_msg *msg, struct flurm_msg_error *err)
{
    const char *type = json_string_value(json_object_get(msg->root, "type"));

    if (!flurm_msg_type_valid(type)) {
        set_error(err, FLURM_MSG_EMALFORMED, "request has no valid \"type\"");
        return -1;
    }
    msg->type = type;
    if (optional_string(msg->root, "req_id", &msg->req_id) < 0 ||
        optional_string(msg->root, "trace", &msg->trace) < 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "\"req_id\" and \"trace\" must be strings");
        return -1;
    }
    if (take_body(msg) < 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "\"body\" must be an object");
        return -1;
    }
    return 0;
}

/* The bytes after the JSON text's NUL (att, n; NULL when there was none)
 * must be what "att" announces; msg keeps a copy (the buffer is borrowed). */
static int take_attachment(struct flurm_msg *msg, const char *att, size_t n,
                           struct flurm_msg_error *err)
{
    json_t *v = json_object_get(msg->root, "att");

    if (!v && !att)
        return 0;
    if (!json_is_integer(v) || !att || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) != n) {
        set_error(err, FLURM_MSG_EMALFORMED,
                  "attachment of %zu bytes does not match \"att\" (%lld)", att ? n : 0,
                  json_is_integer(v) ? (long long)json_integer_value(v) : -1LL);
        return -1;
    }
    if (!(msg->att = malloc(n ? n : 1))) {
        set_error(err, ENOMEM, "out of memory");
        return -1;
    }
    memcpy(msg->att, att, n);
    msg->att_len = n;
    return 0;
}

static int decode_reply(struct flurm_msg *msg, struct flurm_msg_error *err)
{
    json_t *ok = json_object_get(msg->root, "ok");
    json_t *error;

    if (!json_is_boolean(ok)) {
        set_error(err, FLURM_MSG_EMALFORMED, "reply has no boolean \"ok\"");
        return -1;
    }
    msg->ok = json_is_true(ok);
    if (msg->ok) {
        if (take_body(msg) < 0) {
            set_error(err, FLURM_MSG_EMALFORMED, "\"body\" must be an object");
            return -1;
        }
        return 0;
    }
    error = json_object_get(msg->root, "error");
    if (!json_is_integer(json_object_get(error, "code")) ||
        !json_is_string(json_object_get(error, "text"))) {
        set_error(err, FLURM_MSG_EMALFORMED, "failed reply needs \"error\":{\"code\",\"text\"}");
        return -1;
    }
    msg->error_code = (int)json_integer_value(json_object_get(error, "code"));
    msg->error_text = json_string_value(json_object_get(error, "text"));
    return 0;
}

static int decode_event(struct flurm_msg *msg, const char *topic, size_t topic_len,
                        struct flurm_msg_error *err)
{
    const char *type = json_string_value(json_object_get(msg->root, "type"));
    json_t *seq = json_object_get(msg->root, "seq");

    if (!flurm_msg_type_valid(type) || strlen(type) != topic_len ||
        memcmp(type, topic, topic_len) != 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "event \"type\" does not match its topic line");
        return -1;
    }
    msg->type = type;
    if (optional_string(msg->root, "src", &msg->src) < 0 || !msg->src) {
        set_error(err, FLURM_MSG_EMALFORMED, "event has no string \"src\"");
        return -1;
    }
    if (!json_is_integer(seq) || json_integer_value(seq) < 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "event has no non-negative integer \"seq\"");
        return -1;
    }
    msg->seq = (uint64_t)json_integer_value(seq);
    if (optional_string(msg->root, "trace", &msg->trace) < 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "\"trace\" must be a string");
        return -1;
    }
    if (take_body(msg) < 0) {
        set_error(err, FLURM_MSG_EMALFORMED, "\"body\" must be an object");
        return -1;
    }
    return 0;
}

struct flurm_msg *flurm_msg_decode(enum flurm_msg_kind kind, const void *buf, size_t len,
                                   struct flurm_msg_error *err)
{
    struct flurm_msg *msg = NULL;
    const char *json = buf;
    const char *topic = NULL;
    const char *att = NULL;
    size_t topic_len = 0, att_len = 0;
    json_error_t jerr;
    json_t *v;
    int rc;

    if (!(msg = calloc(1, sizeof(*msg)))) {
        set_error(err, ENOMEM, "out of memory");
        goto error;
    }
    msg->kind = kind;
    if (kind == FLURM_MSG_EVENT) {
        const char *nl = buf ? memchr(buf, '\n', len) : NULL;
        if (!nl) {
            set_error(err, FLURM_MSG_EMALFORMED, "event has no topic line");
            errno = EPROTO;
            goto error;
        }
        topic = buf;
        topic_len = (size_t)(nl - topic);
        json = nl + 1;
        len -= topic_len + 1;
    }
    if (kind == FLURM_MSG_REPLY && json) {
        const char *nul = memchr(json, '\0', len);

        if (nul) {
            att = nul + 1;
            att_len = len - (size_t)(att - json);
            len = (size_t)(nul - json);
        }
    }
    if (!json || !(msg->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr))) {
        set_error(err, FLURM_MSG_EMALFORMED, "not JSON: %s", json ? jerr.text : "empty");
        errno = EPROTO;
        goto error;
    }
    if (!json_is_object(msg->root)) {
        set_error(err, FLURM_MSG_EMALFORMED, "message is not a JSON object");
        errno = EPROTO;
        goto error;
    }
    v = json_object_get(msg->root, "v");
    if (!json_is_integer(v)) {
        set_error(err, FLURM_MSG_EMALFORMED, "message has no integer \"v\"");
        errno = EPROTO;
        goto error;
    }
    if (json_integer_value(v) != FLURM_MSG_VERSION) {
        set_error(err, FLURM_MSG_EVERSION, "unsupported message version %lld (this side speaks %d)",
                  (long long)json_integer_value(v), FLURM_MSG_VERSION);
        errno = EPROTONOSUPPORT;
        goto error;
    }
    switch (kind) {
    case FLURM_MSG_REQUEST:
        rc = decode_request(msg, err);
        break;
    case FLURM_MSG_REPLY:
        rc = decode_reply(msg, err);
        if (rc == 0)
            rc = take_attachment(msg, att, att_len, err);
        break;
    case FLURM_MSG_EVENT:
        rc = decode_event(msg, topic, topic_len, err);
        break;
    default:
        set_error(err, EINVAL, "unknown message kind");
        rc = -1;
        break;
    }
    if (rc < 0) {
        errno = EPROTO;
        goto error;
    }
    return msg;
error:
    if (msg) {
        int saved = errno;
        flurm_msg_destroy(msg);
        errno = saved;
    }
    return NULL;
}

void flurm_msg_destroy(struct flurm_msg *msg)
{
    if (!msg)
        return;
    json_decref(msg->root);
    free(msg->att);
    free(msg);
}

enum flurm_msg_kind flurm_msg_kind(const struct flurm_msg *msg)
{
    return msg->kind;
}

const char *flurm_msg_type(const struct flurm_msg *msg)
{
    return msg->type;
}

const char *flurm_msg_req_id(const struct flurm_msg *msg)
{
    return msg->req_id;
}

const char *flurm_msg_trace(const struct flurm_msg *msg)
{
    return msg->trace;
}

const char *flurm_msg_src(const struct flurm_msg *msg)
{
    return msg->src;
}

uint64_t flurm_msg_seq(const struct flurm_msg *msg)
{
    return msg->seq;
}

json_t *flurm_msg_body(const struct flurm_msg *msg)
{
    return msg->body;
}

int flurm_msg_ok(const struct flurm_msg *msg)
{
    return msg->ok;
}

int flurm_msg_error_code(const struct flurm_msg *msg)
{
    return msg->error_code;
}

const char *flurm_msg_error_text(const struct flurm_msg *msg)
{
    return msg->error_text;
}

const void *flurm_msg_attachment(const struct flurm_msg *msg, size_t *len)
{
    *len = msg->att_len;
    return msg->att;
}
