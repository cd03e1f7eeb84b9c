#!/usr/bin/env bash
# Prints a TCP port on 127.0.0.1 that nothing listens on now (the start-*.sh scripts' servers
# bind it next, and retry when another process took it first). Exit 1 when none is found.
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && exit 0
# Without python3: a random high port that nothing is listening on.
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 40000))
  (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; exit 0; }
done
exit 1
