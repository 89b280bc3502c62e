# RwInstallPackaging.cmake - install-time half of the packaging rules (run by `cmake --install`
# through install(SCRIPT) in the top-level CMakeLists.txt, which sets the RW_PKG_* variables).
#
# Paths are worked out here, at install time, so that `cmake --install BUILD --prefix P` and
# DESTDIR=... give a tree that agrees with itself: the service's ExecStart= names the program
# where it was installed, and the hooks look for their configuration in the sysconfdir that the
# configuration itself went to. (The program's own compiled-in paths come from the prefix given
# at configure time: configure with -DCMAKE_INSTALL_PREFIX=/usr for a system install.)
#
# - the configuration example becomes SYSCONFDIR/rootwarden/rootwarden.conf unless that file
#   exists already (a reinstall keeps the administrator's file); it is always installed as
#   DOCDIR/rootwarden.conf.example too;
# - an empty SYSCONFDIR/rootwarden/hooks.d;
# - hooks into DATADIR/rootwarden/hooks; units, the sysusers and the tmpfiles file (the bundle
#   folder /etc/ssl/rootwarden) where systemd looks.

# GNUInstallDirs' rules, applied to the install-time prefix.
function(rw_pkg_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(CMAKE_INSTALL_PREFIX STREQUAL "/")
    set(${out} "/${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

# sysconfdir: /etc for the prefixes / and /usr, /etc/opt/NAME for /opt/NAME, else PREFIX/etc.
function(rw_pkg_sysconfdir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
    set(${out} "/${dir}" PARENT_SCOPE)
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(${out} "/${dir}${CMAKE_INSTALL_PREFIX}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

rw_pkg_dir(rw_bindir "${RW_PKG_BINDIR}")
rw_pkg_dir(rw_datadir "${RW_PKG_DATADIR}")
rw_pkg_dir(rw_docdir "${RW_PKG_DOCDIR}")
rw_pkg_dir(rw_unitdir "${RW_PKG_UNIT_DIR}")
rw_pkg_dir(rw_sysusersdir "${RW_PKG_SYSUSERS_DIR}")
rw_pkg_dir(rw_tmpfilesdir "${RW_PKG_TMPFILES_DIR}")
rw_pkg_sysconfdir(rw_etc "${RW_PKG_SYSCONFDIR}")
set(rw_gen "${RW_PKG_BUILD_DIR}/packaging")
file(MAKE_DIRECTORY "${rw_gen}")

# Hooks: the default configuration directory follows the install's sysconfdir.
foreach(hook reload-units system-trust-store)
  file(READ "${RW_PKG_SOURCE_DIR}/hooks/${hook}" text)
  string(REPLACE "/etc/rootwarden/" "${rw_etc}/rootwarden/" text "${text}")
  file(WRITE "${rw_gen}/${hook}" "${text}")
  file(INSTALL DESTINATION "${rw_datadir}/rootwarden/hooks" TYPE FILE FILES "${rw_gen}/${hook}"
       PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                   WORLD_READ WORLD_EXECUTE)
endforeach()

# Units: ExecStart= names the installed program.
file(READ "${RW_PKG_SOURCE_DIR}/systemd/rootwarden.service" text)
string(REPLACE "ExecStart=/usr/bin/rootwarden " "ExecStart=${rw_bindir}/rootwarden " text "${text}")
file(WRITE "${rw_gen}/rootwarden.service" "${text}")
file(INSTALL DESTINATION "${rw_unitdir}" TYPE FILE
     FILES "${rw_gen}/rootwarden.service" "${RW_PKG_SOURCE_DIR}/systemd/rootwarden.timer")
file(INSTALL DESTINATION "${rw_sysusersdir}" TYPE FILE
     FILES "${RW_PKG_SOURCE_DIR}/systemd/rootwarden.sysusers" RENAME rootwarden.conf)
file(INSTALL DESTINATION "${rw_tmpfilesdir}" TYPE FILE
     FILES "${RW_PKG_SOURCE_DIR}/systemd/rootwarden.tmpfiles" RENAME rootwarden.conf)

# Configuration: installed once, never overwritten; hooks.d created empty.
set(rw_example "${RW_PKG_SOURCE_DIR}/docs/rootwarden.conf.example")
if(EXISTS "${rw_example}")
  file(INSTALL DESTINATION "${rw_docdir}" TYPE FILE FILES "${rw_example}")
  if(EXISTS "$ENV{DESTDIR}${rw_etc}/rootwarden/rootwarden.conf")
    message(STATUS "Keeping: $ENV{DESTDIR}${rw_etc}/rootwarden/rootwarden.conf (exists; the new "
                   "example is ${rw_docdir}/rootwarden.conf.example)")
  else()
    file(INSTALL DESTINATION "${rw_etc}/rootwarden" TYPE FILE FILES "${rw_example}"
         RENAME rootwarden.conf)
  endif()
else()
  message(WARNING "${rw_example} is missing: no configuration installed")
endif()
file(MAKE_DIRECTORY "${rw_gen}/hooks.d")
file(INSTALL DESTINATION "${rw_etc}/rootwarden" TYPE DIRECTORY FILES "${rw_gen}/hooks.d"
     DIR_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                     WORLD_READ WORLD_EXECUTE)
