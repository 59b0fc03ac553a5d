"""`chargeledger send --channel email|webhook|sms|push`: a reference sender until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal

from pipelines.config import Settings

HELP = "deliver notifications of one channel (SMTP e-mail, signed webhooks; sms/push dry-run) and record outcomes"
CHANNELS = ("email", "webhook", "sms", "push")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", required=True, choices=CHANNELS, help="the channel this process delivers")


def run(args: argparse.Namespace, settings: Settings) -> None:
    """SMTP and webhook settings come from CHARGELEDGER_SEND_* (pipelines/notify/senders/settings.py)."""
    asyncio.run(_send_until_stopped(settings, args.channel))


async def _send_until_stopped(settings: Settings, channel: str) -> None:
    from pipelines.notify.senders.base import Sender
    from pipelines.notify.senders.dryrun import DryRunSender
    from pipelines.notify.senders.email import EmailSender
    from pipelines.notify.senders.runner import SendRunner
    from pipelines.notify.senders.settings import SenderSettings
    from pipelines.notify.senders.webhook import WebhookSender

    options = SenderSettings()
    sender: Sender
    if channel == "email":
        sender = EmailSender(options)
    elif channel == "webhook":
        sender = WebhookSender(options)
    else:
        sender = DryRunSender(channel)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"send: delivering {channel} notifications from {settings.topics.notifications}", flush=True)
    runner = SendRunner(settings, sender, options)
    await runner.run(stop)
    print(f"send: stopped after {len(runner.deliveries)} delivery attempts", flush=True)
