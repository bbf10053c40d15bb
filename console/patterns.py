"""A regular expression compiled when first used.

Every command imports the modules that parse what people type, but one command uses few of
their patterns; compiling them all at import cost ~0.4 ms each on the machines we measure
(about a tenth of a short command's own time). A `LazyPattern` answers the methods of
`re.Pattern` that the console uses, compiling on the first call.
"""

import re


class LazyPattern:
    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern | None = None

    @property
    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def match(self, string: str) -> re.Match | None:
        return self.compiled.match(string)

    def fullmatch(self, string: str) -> re.Match | None:
        return self.compiled.fullmatch(string)

    def search(self, string: str) -> re.Match | None:
        return self.compiled.search(string)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self.compiled.split(string, maxsplit=maxsplit)
