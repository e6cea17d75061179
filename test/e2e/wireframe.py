#!/usr/bin/env python3
"""wireframe.py - capture, tamper with and replay raw SLURM 22.05 frames.

The credential tests need frames that a real client signed: a fake
controller captures one, then the test sends it (unchanged, replayed or
with one body byte flipped) to the controller under test and reports what
came back.  Only the framing is parsed (u32 length, then the header whose
msg_type and body_length sit at fixed offsets, see
shared/docs/slurm-wire-22.05.md sections 1.1-1.4); the body is the last
body_length bytes of the frame.

  wireframe.py capture PORTFILE OUT [TIMEOUT]
      listen on 127.0.0.1 (ephemeral port, written to PORTFILE once
      listening), accept one connection, save its first frame (length
      prefix included) to OUT, close without answering.
  wireframe.py send PORT IN [--flip-body-byte N] [--forge-cred] [--timeout S]
      send the frame in IN to 127.0.0.1:PORT and print one line:
        reply type=<msg_type> rc=<rc>   (rc only for RESPONSE_SLURM_RC[_MSG])
        closed                          (connection closed without a frame)
        timeout                         (no answer in time)
      --flip-body-byte N inverts byte N of the body (the munge payload
      then no longer matches the body's hash); --forge-cred changes one
      character inside the munge credential's base64 text.
  wireframe.py info IN
      print "type=<msg_type> body_length=<n>" of the frame in IN.

Exit status: 0 when the line was printed, 2 on usage or I/O errors.
"""
import os
import socket
import struct
import sys

RESPONSE_SLURM_RC = 8001
RESPONSE_SLURM_RC_MSG = 8002
HEADER_FIXED = 10  # version u16, flags u16, msg_type u16, body_length u32


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock):
    prefix = read_exact(sock, 4)
    if prefix is None:
        return None
    (length,) = struct.unpack(">I", prefix)
    payload = read_exact(sock, length)
    if payload is None:
        return None
    return prefix + payload


def parse(frame):
    """(msg_type, body_length, body) of a whole frame."""
    payload = frame[4:]
    if len(payload) < HEADER_FIXED:
        raise ValueError("frame shorter than a header")
    _version, _flags, msg_type, body_length = struct.unpack_from(">HHHI", payload, 0)
    if body_length > len(payload) - HEADER_FIXED:
        raise ValueError("body_length larger than the frame")
    body = payload[len(payload) - body_length:] if body_length else b""
    return msg_type, body_length, body


def cmd_capture(portfile, out, timeout=20.0):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(timeout)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    # rename: the test polls PORTFILE and must never read half of it
    os.rename(tmp, portfile)
    conn, _ = srv.accept()
    conn.settimeout(timeout)
    frame = read_frame(conn)
    conn.close()
    srv.close()
    if frame is None:
        print("the client closed before sending a whole frame", file=sys.stderr)
        return 2
    with open(out, "wb") as f:
        f.write(frame)
    msg_type, body_length, _ = parse(frame)
    print("captured type=%d body_length=%d" % (msg_type, body_length))
    return 0


def forge_credential(frame):
    """Change one base64 character of the "MUNGE:...:" credential."""
    start = frame.find(b"MUNGE:")
    if start < 0:
        raise ValueError("the frame holds no munge credential")
    pos = start + len(b"MUNGE:") + 20
    frame[pos] = ord("A") if frame[pos] != ord("A") else ord("B")


def cmd_send(port, path, flip=None, forge=False, timeout=10.0):
    with open(path, "rb") as f:
        frame = bytearray(f.read())
    msg_type, body_length, _ = parse(bytes(frame))
    if forge:
        forge_credential(frame)
    if flip is not None:
        if flip >= body_length:
            print("cannot flip byte %d of a %d-byte body" % (flip, body_length), file=sys.stderr)
            return 2
        frame[len(frame) - body_length + flip] ^= 0xFF
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(bytes(frame))
        try:
            reply = read_frame(sock)
        except socket.timeout:
            print("timeout")
            return 0
        except ConnectionResetError:
            print("closed")
            return 0
    finally:
        sock.close()
    if reply is None:
        print("closed")
        return 0
    rtype, rlen, body = parse(reply)
    if rtype in (RESPONSE_SLURM_RC, RESPONSE_SLURM_RC_MSG) and rlen >= 4:
        (rc,) = struct.unpack(">i", body[:4])
        print("reply type=%d rc=%d" % (rtype, rc))
    else:
        print("reply type=%d" % rtype)
    return 0


def main(argv):
    try:
        if len(argv) >= 3 and argv[0] == "capture":
            timeout = float(argv[3]) if len(argv) > 3 else 20.0
            return cmd_capture(argv[1], argv[2], timeout)
        if len(argv) >= 3 and argv[0] == "send":
            flip, forge, timeout, rest = None, False, 10.0, argv[3:]
            while rest:
                if rest[0] == "--forge-cred":
                    forge = True
                    rest = rest[1:]
                    continue
                if rest[0] == "--flip-body-byte" and len(rest) > 1:
                    flip = int(rest[1])
                elif rest[0] == "--timeout" and len(rest) > 1:
                    timeout = float(rest[1])
                else:
                    raise ValueError("unknown option " + rest[0])
                rest = rest[2:]
            return cmd_send(int(argv[1]), argv[2], flip, forge, timeout)
        if len(argv) == 2 and argv[0] == "info":
            with open(argv[1], "rb") as f:
                msg_type, body_length, _ = parse(f.read())
            print("type=%d body_length=%d" % (msg_type, body_length))
            return 0
    except (OSError, ValueError) as e:
        print("wireframe.py: %s" % e, file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
