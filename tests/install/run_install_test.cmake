# Driver of the install_consumer test (cmake -P): installs BUILD_DIR into a scratch
# prefix, configures and builds CONSUMER_SOURCE_DIR against it, runs the consumer and
# compares its standard output with EXPECTED_OUTPUT.
foreach(variable BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR GENERATOR CXX_COMPILER
                 EXPECTED_OUTPUT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "install test: -D ${variable}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})

# Runs a command; fails the test with its output if it fails. Sets step_stdout.
function(run_step description)
  message(STATUS "install test: ${description}")
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE result
                  OUTPUT_VARIABLE stdout
                  ERROR_VARIABLE stderr)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install test: ${description} failed (${result})\n"
                        "${stdout}\n${stderr}")
  endif()
  set(step_stdout "${stdout}" PARENT_SCOPE)
endfunction()

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

run_step("cmake --install into ${prefix}"
         ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})
run_step("configure the consumer against the installed sluice"
         ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -G ${GENERATOR}
         -DCMAKE_BUILD_TYPE=${CONFIG}
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
         -DCMAKE_PREFIX_PATH=${prefix}
         -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run_step("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

set(consumer ${consumer_build}/sluice_consumer)
if(NOT EXISTS ${consumer} AND EXISTS ${consumer_build}/${CONFIG}/sluice_consumer)
  set(consumer ${consumer_build}/${CONFIG}/sluice_consumer)  # multi-config generators
endif()
run_step("run the consumer" ${consumer})
string(STRIP "${step_stdout}" output)
if(NOT output STREQUAL EXPECTED_OUTPUT)
  message(FATAL_ERROR "install test: the consumer printed '${output}', "
                      "expected '${EXPECTED_OUTPUT}'")
endif()
message(STATUS "install test: the consumer printed '${output}' as expected")
