# `cmake --install <build> --prefix <dir>`: the libraries a user's own job links, their headers and
# a CMake package, so that an out-of-tree project does
#   find_package(rankflow REQUIRED)
#   rankflow_job(my_job my_job.cpp)
# (template/ is such a project). Headers keep their repository paths under include/rankflow/, so
# `#include "runtime/flow/flow.h"` reads the same in and out of the tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RANKFLOW_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/rankflow)
set(RANKFLOW_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/rankflow)

# Library target -> name in the package (rankflow::<name>). Optional ones are installed when the
# tree builds them.
set(rankflow_installed_libraries
  rankflow_base base
  rankflow_hdf5 hdf5
  rankflow_aws aws
  rankflow_runtime runtime
  rankflow_parquet_format parquet_format
  rankflow_parquet parquet
  rankflow_operators operators
  rankflow_ml ml)
set(rankflow_install_targets "")
while(rankflow_installed_libraries)
  list(POP_FRONT rankflow_installed_libraries target export_name)
  if(TARGET ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
    list(APPEND rankflow_install_targets ${target})
  endif()
endwhile()
# Headers are found by their repository path: the tree adds its root with include_directories();
# installed, the package adds include/rankflow.
target_include_directories(rankflow_base PUBLIC
  $<INSTALL_INTERFACE:${RANKFLOW_INSTALL_INCLUDEDIR}>)

install(TARGETS ${rankflow_install_targets} EXPORT rankflowTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT rankflowTargets NAMESPACE rankflow:: DESTINATION ${RANKFLOW_INSTALL_CMAKEDIR})

# The engine and operator headers a job may include (not jobs/, provision/ or tests/).
foreach(dir runtime runtime/aws runtime/flow runtime/parquet operators operators/ml)
  if(IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${dir})
    file(GLOB headers ${CMAKE_SOURCE_DIR}/${dir}/*.h)
    install(FILES ${headers} DESTINATION ${RANKFLOW_INSTALL_INCLUDEDIR}/${dir})
  endif()
endforeach()
# Headers generated into the build tree (e.g. runtime/parquet's thrift types), if any.
get_property(rankflow_generated_headers GLOBAL PROPERTY RANKFLOW_GENERATED_HEADERS)
if(rankflow_generated_headers)
  foreach(pair IN LISTS rankflow_generated_headers)
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 file)
    list(GET pair 1 dir)
    install(FILES ${file} DESTINATION ${RANKFLOW_INSTALL_INCLUDEDIR}/${dir})
  endforeach()
endif()

# Extra find_dependency/pkg_check_modules lines for optional libraries (set where they are made).
get_property(RANKFLOW_CONFIG_EXTRA_DEPENDENCIES GLOBAL PROPERTY RANKFLOW_CONFIG_EXTRA_DEPENDENCIES)
string(REPLACE ";" "\n" RANKFLOW_CONFIG_EXTRA_DEPENDENCIES "${RANKFLOW_CONFIG_EXTRA_DEPENDENCIES}")
configure_package_config_file(
  ${CMAKE_SOURCE_DIR}/cmake/rankflowConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/rankflowConfig.cmake
  INSTALL_DESTINATION ${RANKFLOW_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/rankflowConfigVersion.cmake
  VERSION 0.2.0 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/rankflowConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/rankflowConfigVersion.cmake
        DESTINATION ${RANKFLOW_INSTALL_CMAKEDIR})
