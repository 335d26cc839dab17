"""Text: tokens and sentences as code point offsets, search normalization with a map back,
and the display engine (BiDi levels, clusters and shaping, wrapping and the cell map,
short texts fitted to a width). Everything here is a plain function or object, tested
without a terminal."""
