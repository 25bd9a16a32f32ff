"""Failure alerts: a line in CHIPAO_HOME/logs/alerts.log for monitoring, and an e-mail.

The run-failure sensor (pipelines/jobs.py) builds an Alert from the failed run; this module
formats, logs and mails it and knows nothing of Dagster. Messages pass through the identifier
mask: an error that quotes a row must not carry a citizen ID into a mailbox.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from ingest.masking import mask_text
from pipelines.settings import Mail, Settings

# what monitoring greps for: one event per line, the event first after the time
RUN_FAILED = "run_failed"
MAIL_FAILED = "alert_mail_failed"


@dataclass(frozen=True)
class Alert:
    run_id: str
    job: str
    year: str | None  # the survey year (the run's partition), if any
    reason: str  # the run's failure message
    steps: tuple[str, ...] = ()  # "step: root cause", one per failed step
    checks: tuple[str, ...] = ()  # "asset: check", one per failed blocking check
    url: str = ""

    @property
    def what(self) -> str:
        return f"{self.job}" + (f" {self.year}" if self.year else "")

    def subject(self) -> str:
        checks = f", {len(self.checks)} blocking check(s) failed" if self.checks else ""
        return f"[chipao] run failed / การประมวลผลล้มเหลว: {self.what}{checks}"

    def body(self) -> str:
        lines = [
            f"การประมวลผล {self.what} ล้มเหลว ข้อมูลที่เผยแพร่ (published snapshot) ยังเป็นชุดเดิม",
            f"The run of {self.what} failed; the published snapshot is still the last good one.",
            "",
            f"run: {self.run_id}",
        ]
        if self.url:
            lines.append(f"UI: {self.url}/runs/{self.run_id}")
        lines += ["", f"reason: {_one_line(self.reason)}"]
        if self.checks:
            lines += ["", "blocking checks that failed / การตรวจสอบที่ไม่ผ่าน:"]
            lines += [f"  - {c}" for c in self.checks]
        if self.steps:
            lines += ["", "failed steps / ขั้นตอนที่ล้มเหลว:"]
            lines += [f"  - {_one_line(s)}" for s in self.steps]
        lines += [
            "",
            "Fix the files or the cause, then the next sensor tick or the nightly schedule runs "
            "the year again (or `chipao run --years YEAR`).",
        ]
        return "\n".join(lines) + "\n"

    def log_line(self, at: datetime) -> str:
        fields = [
            at.isoformat(timespec="seconds"),
            RUN_FAILED,
            f"job={self.job}",
            f"year={self.year or '-'}",
            f"run={self.run_id}",
            f"checks={','.join(c.replace(' ', '') for c in self.checks) or '-'}",
            # last and unquoted: the rest of the line, whatever quotes it holds
            f"reason={_one_line(self.reason)[:300]}",
        ]
        return " ".join(fields)


def root_cause(error) -> str:
    """Dagster wraps the asset's exception (a chain of error infos, each with its ``cause``);
    the reader needs the innermost message."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _one_line(text: str) -> str:
    return mask_text(" ".join(str(text).split())) or ""


def append_line(settings: Settings, line: str) -> None:
    settings.logs.mkdir(parents=True, exist_ok=True)
    with settings.alerts_log.open("a", encoding="utf-8") as handle:
        handle.write(line.rstrip("\n") + "\n")


def send_mail(mail: Mail, alert: Alert, timeout: float = 30) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject()
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    message.set_content(alert.body())
    context = ssl.create_default_context()
    if mail.tls == "ssl":
        server = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
    with server:
        if mail.tls == "starttls":
            server.starttls(context=context)
        if mail.user:
            server.login(mail.user, mail.password or "")
        server.send_message(message)


def notify(settings: Settings, alert: Alert, at: datetime | None = None) -> list[str]:
    """Log the alert, then mail it if mail is configured; what was done, one line each. A mail
    that cannot be sent is logged as such, not raised: the sensor must not retry the same run
    for ever, and the log line is already there for monitoring."""
    at = at or datetime.now().astimezone()
    line = alert.log_line(at)
    append_line(settings, line)
    done = [line]
    try:
        mail = settings.mail
        if mail.enabled:
            send_mail(mail, alert)
            done.append(f"mailed to {', '.join(mail.recipients)} via {mail.host}:{mail.port}")
        else:
            done.append("no e-mail: CHIPAO_SMTP_HOST or CHIPAO_ALERT_TO not set")
    except (OSError, smtplib.SMTPException, ValueError) as err:
        failed = (
            f"{at.isoformat(timespec='seconds')} {MAIL_FAILED} run={alert.run_id} "
            f"error={_one_line(str(err))[:200]}"
        )
        append_line(settings, failed)
        done.append(failed)
    return done
