// SPDX-License-Identifier: GPL-2.0
/* uob-usbreset: USBDEVFS_RESET on a usbfs node (/dev/bus/usb/BBB/DDD). */
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: uob-usbreset /dev/bus/usb/BBB/DDD\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	ret = ioctl(fd, USBDEVFS_RESET, 0);
	if (ret)
		perror("USBDEVFS_RESET");
	close(fd);
	return ret ? 1 : 0;
}
