# The target release_build: every target `all` builds except the test binaries of the checked set
# (tests/CMakeLists.txt, target checked_tests). scripts/test.sh builds it for the Release run when
# the checked stage runs too: those tests run only there, under the sanitizers, so compiling them
# in Release as well would spend CI's minutes on binaries nobody runs.
function(rankflow_all_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    rankflow_all_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

rankflow_all_targets(${CMAKE_SOURCE_DIR} rankflow_targets)
get_property(rankflow_checked_only TARGET checked_tests PROPERTY MANUALLY_ADDED_DEPENDENCIES)
add_custom_target(release_build)
foreach(target IN LISTS rankflow_targets)
  get_target_property(type ${target} TYPE)
  get_target_property(excluded ${target} EXCLUDE_FROM_ALL)
  if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$"
     AND NOT excluded AND NOT target IN_LIST rankflow_checked_only)
    add_dependencies(release_build ${target})
  endif()
endforeach()
