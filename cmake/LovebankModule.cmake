# lovebank_module(NAME SOURCES ... [PROTOS ...] [PUBLIC ...] [PRIVATE ...])
#
# Declares the static library lovebank_<NAME> (alias lovebank::<NAME>) for one folder of
# the tree. Includes are rooted at the repository, so a module's public headers are
# reached as "<NAME>/header.h". Generated protobuf code is private to the module: its
# headers live in the build tree and only this target sees them.
function(lovebank_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PROTOS;PUBLIC;PRIVATE" ${ARGN})
  set(target lovebank_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(lovebank::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC} PRIVATE lovebank_warnings ${ARG_PRIVATE})
  if(ARG_PROTOS)
    set(proto_out ${CMAKE_CURRENT_BINARY_DIR}/generated)
    file(MAKE_DIRECTORY ${proto_out})
    set(generated)
    foreach(proto ${ARG_PROTOS})
      get_filename_component(stem ${proto} NAME_WE)
      get_filename_component(abs ${proto} ABSOLUTE)
      get_filename_component(dir ${abs} DIRECTORY)
      set(cc ${proto_out}/${stem}.pb.cc)
      set(h ${proto_out}/${stem}.pb.h)
      add_custom_command(
        OUTPUT ${cc} ${h}
        COMMAND protobuf::protoc --cpp_out=${proto_out} -I ${dir} ${abs}
        DEPENDS ${abs} protobuf::protoc
        COMMENT "protoc ${proto}")
      list(APPEND generated ${cc})
    endforeach()
    # Generated code is not ours to warn about; compile it without the project warnings.
    add_library(${target}_proto OBJECT ${generated})
    target_include_directories(${target}_proto PUBLIC ${proto_out})
    target_link_libraries(${target}_proto PUBLIC protobuf::libprotobuf)
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${target}_proto>)
    target_include_directories(${target} PRIVATE ${proto_out})
    target_link_libraries(${target} PRIVATE protobuf::libprotobuf)
  endif()
endfunction()
