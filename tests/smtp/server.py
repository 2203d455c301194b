"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd), with mailboxes
that do not exist. It prints `listening <port>` once it accepts connections, then a line
`DELIVERED <recipients> | <subject>` for each message it accepts.

    python3 tests/smtp/server.py --port 2525 \
        [--refuse ADDR]...        refuse ADDR at RCPT for good (550 5.1.1, user unknown)
        [--refuse-once ADDR]...   the same, the first time only (the mailbox is made after)
        [--reject-data ADDR]...   accept ADDR at RCPT, then refuse the message for good (554)
"""

import argparse
import asyncio
import email
import email.policy

from aiosmtpd.controller import Controller


class Mailboxes:
    def __init__(self, refuse, refuse_once, reject_data):
        self.refuse = {a.lower() for a in refuse}
        self.refuse_once = {a.lower() for a in refuse_once}
        self.reject_data = {a.lower() for a in reject_data}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        who = address.lower()
        if who in self.refuse or who in self.refuse_once:
            self.refuse_once.discard(who)
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.lower() in self.reject_data for r in envelope.rcpt_tos):
            return "554 5.7.1 Message refused: content policy"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        print(f"DELIVERED {','.join(envelope.rcpt_tos)} | {message['Subject']}", flush=True)
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--refuse-once", action="append", default=[])
    parser.add_argument("--reject-data", action="append", default=[])
    args = parser.parse_args()
    handler = Mailboxes(args.refuse, args.refuse_once, args.reject_data)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"listening {args.port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
