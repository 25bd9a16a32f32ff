"""The one kind of error the `chipao` command reports as one line (exit code 2), never as a
traceback: something the user can fix (a bad year, scale, area, a missing file or setting)."""


class UserError(Exception):
    """Raised with the line the user reads; `chipao` prints it and exits 2."""
