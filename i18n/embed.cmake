# cmake -DIN=file.mo -DOUT=file.cc -DSYMBOL=name -P embed.cmake
# Writes the bytes of IN as a C++ array, so that the program carries its catalogue and
# needs no file beside it.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
       bytes "${bytes}")
file(WRITE "${OUT}"
     "// Generated from ${IN} by i18n/embed.cmake; do not edit.\n#include <cstddef>\n"
     "extern const unsigned char ${SYMBOL}[] = {\n${bytes}0x00};\n"
     "extern const std::size_t ${SYMBOL}Size = ${size};\n")
