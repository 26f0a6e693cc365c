# `cmake --install`: the layer libraries, their headers under include/sluice/<layer>/
# (with include/sluice/sluice.h, the one header users include), and
# a CMake package so another project can find_package(sluice) and link sluice::sluice.
include(CMakePackageConfigHelpers)

set(SLUICE_LAYERS runtime operators io engine)
set(SLUICE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)

# Every library defined under the layer folders (recursively), so a library added there
# later is installed and exported with the ones that link it.
function(sluice_collect_libraries directory out_var)
  get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
  set(libraries)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(STATIC|SHARED|INTERFACE)_LIBRARY$")
      list(APPEND libraries ${target})
    endif()
  endforeach()
  get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    sluice_collect_libraries(${subdirectory} nested)
    list(APPEND libraries ${nested})
  endforeach()
  set(${out_var} ${libraries} PARENT_SCOPE)
endfunction()

set(SLUICE_INSTALLED_LIBRARIES)
foreach(layer IN LISTS SLUICE_LAYERS)
  if(NOT TARGET sluice_${layer})
    message(FATAL_ERROR "SluiceInstall: expected a target sluice_${layer} in ${layer}/")
  endif()
  sluice_collect_libraries(${PROJECT_SOURCE_DIR}/${layer} libraries)
  list(APPEND SLUICE_INSTALLED_LIBRARIES ${libraries})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sluice/${layer}
          FILES_MATCHING PATTERN "*.h")
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/engine/sluice.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sluice)

# Destinations default to the GNUInstallDirs ones (lib/, bin/); the include directory
# comes from each target's $<INSTALL_INTERFACE:...> (see SluiceTargets.cmake).
install(TARGETS ${SLUICE_INSTALLED_LIBRARIES} EXPORT sluiceTargets)
install(EXPORT sluiceTargets
        NAMESPACE sluice::
        DESTINATION ${SLUICE_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/sluiceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
  INSTALL_DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
# 0.x releases may break the API between minor versions.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
              ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
        DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
