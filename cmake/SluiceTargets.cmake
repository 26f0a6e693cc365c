# Small helpers so each folder declares one library in a few lines with the
# project-wide warning, sanitizer and include settings.

function(sluice_apply_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # -Wrestrict: GCC 12 reports false positives inside std::string (GCC bug 105329).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(SLUICE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SLUICE_BUILD_FUZZERS)
    # Coverage for libFuzzer in every library; fuzz targets add -fsanitize=fuzzer.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  elseif(SLUICE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                             -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  elseif(SLUICE_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=thread)
  endif()
endfunction()

# sluice_add_library(NAME SOURCES a.cc b.cc DEPS x y)
# Builds sluice_NAME (alias sluice::NAME); headers are included as
# "sluice/<folder>/file.h", in the build tree (SLUICE_INCLUDE_DIR) and installed.
function(sluice_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(target sluice_${name})
  add_library(${target} ${ARG_SOURCES})
  add_library(sluice::${name} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${SLUICE_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  sluice_apply_options(${target})
endfunction()

# sluice_add_executable(NAME SOURCES a.cc DEPS x y)
function(sluice_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${SLUICE_INCLUDE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  sluice_apply_options(${name})
endfunction()

# sluice_flatbuffers(TARGET OUT_SUBDIR schema.fbs ...)
# Compiles each schema (a path relative to the calling folder) with flatc to
# <name>_generated.h under ${SLUICE_GENERATED_DIR}/OUT_SUBDIR, which the target's .cc
# files include as "OUT_SUBDIR/<name>_generated.h" (OUT_SUBDIR starts with sluice/). The generated headers stay
# private: the builder and verifier are header-only, nothing is linked or installed.
function(sluice_flatbuffers target out_subdir)
  foreach(schema IN LISTS ARGN)
    get_filename_component(name ${schema} NAME_WE)
    set(out_dir ${SLUICE_GENERATED_DIR}/${out_subdir})
    set(header ${out_dir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND flatbuffers::flatc --cpp -o ${out_dir} ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      COMMENT "flatc ${schema}")
    target_sources(${target} PRIVATE ${header})
  endforeach()
  target_include_directories(${target} PRIVATE ${SLUICE_GENERATED_DIR})
endfunction()

# sluice_add_fuzzer(NAME SOURCES a.cc DEPS x y): a libFuzzer target (SLUICE_BUILD_FUZZERS).
function(sluice_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  sluice_add_executable(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
