# cmake -DOUT=file.c -DH=hostrt.h -DC=hostrt.c -P embed.cmake
#
# Writes the host runtime's two files as byte arrays (sc_hostrt_h,
# sc_hostrt_c and their lengths), which shmsim export --atf copies into
# the programs it writes (tools/shmsim/atf.c).
cmake_minimum_required(VERSION 3.25)
set(text "/* Generated from hostrt.h and hostrt.c by cmake/embed.cmake. */\n#include <stddef.h>\n")
foreach(pair "h;${H}" "c;${C}")
  list(GET pair 0 suffix)
  list(GET pair 1 path)
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" n)
  math(EXPR n "${n} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" bytes "${bytes}")
  string(APPEND text "const unsigned char sc_hostrt_${suffix}[] = {\n${bytes}0x00 };\n")
  string(APPEND text "const size_t sc_hostrt_${suffix}_len = ${n};\n")
endforeach()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
