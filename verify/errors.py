"""Errors that become a one-line message naming the file and exit code 2."""


class InputError(Exception):
    """The input cannot be analysed (missing, unreadable, not a video or image)."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
