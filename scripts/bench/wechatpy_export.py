"""The straightforward wechatpy export that `scripts/bench-export.sh` compares with: every
follower (`iter_followers`) and their profiles (`get_batch` of 100, one call after the other),
written as JSON lines. Usage: wechatpy_export.py API_BASE ACCESS_TOKEN OUT_FILE.

The access token is fetched by the caller (wechatpy's own token fetch has the platform's host
written in), so what is measured is the export itself.
"""

import json
import sys

from wechatpy import WeChatClient


def main() -> None:
    base, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
    client = WeChatClient("wx0123456789abcdef", "unused", access_token=token)
    client.API_BASE_URL = base.rstrip("/") + "/cgi-bin/"
    written = 0
    batch = []
    with open(out, "w", encoding="utf-8") as sink:
        def flush() -> None:
            nonlocal written
            for user in client.user.get_batch(batch):
                sink.write(json.dumps(user, ensure_ascii=False) + "\n")
                written += 1
            batch.clear()

        for openid in client.user.iter_followers():
            batch.append(openid)
            if len(batch) == 100:
                flush()
        if batch:
            flush()
    print(written)


if __name__ == "__main__":
    main()
