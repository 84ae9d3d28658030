/*
 * envsetup plugin SDK: include this one header in a plugin.
 * plugin.h declares what a plugin provides; host.h what the core lends it;
 * phase.h the plan/apply/verify rule every task follows.
 */
#ifndef ENVSETUP_ENVSETUP_H
#define ENVSETUP_ENVSETUP_H

#include "envsetup/host.h"
#include "envsetup/phase.h"
#include "envsetup/plugin.h"
#include "envsetup/version.h"

#endif
