"""An authenticator app for tests: the codes accounts accepts for a TOTP secret.

Accounts accepts each 30-second step once, and one step of drift either way
(``identity.services``). A suite that logs the same person in several times
must never send a step already spent, nor one the clock is about to leave.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp


class Authenticator:
    """The codes of one TOTP secret, as a person's app shows them."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        #: The last step this authenticator gave a code for: accounts accepts each once.
        self.last_step = 0

    def code(self) -> str:
        """A code never given before that accounts accepts now: the current step's, or the
        step before or after it, the earliest first. The step before is used only with more
        than 10 s left in the current one, so that the clock cannot move past it before the
        server sees the code."""
        totp = pyotp.TOTP(self.secret)
        deadline = time.monotonic() + 70
        while True:
            moment = datetime.now(tz=UTC)
            now = totp.timecode(moment)
            left = totp.interval - moment.timestamp() % totp.interval
            candidates = ([now - 1] if left > 10 else []) + [now, now + 1]
            unspent = [step for step in candidates if step > self.last_step]
            if unspent:
                break
            # Every acceptable step is spent: wait for the clock to move on.
            if time.monotonic() > deadline:
                raise AssertionError("the TOTP clock did not move")
            time.sleep(0.5)
        self.last_step = unspent[0]
        return str(totp.generate_otp(self.last_step))

    def wrong_code(self) -> str:
        """Six digits that are no code accounts would accept now."""
        totp = pyotp.TOTP(self.secret)
        now = totp.timecode(datetime.now(tz=UTC))
        valid = {totp.generate_otp(now + offset) for offset in range(-2, 3)}
        return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
