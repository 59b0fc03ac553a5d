"""The one base for errors whose message tells the user what to fix: the CLI prints it as one line, exit 2."""


class UserError(ValueError):
    """Bad input from a person (an argument, a file, a period): the message names what and how to fix it."""
